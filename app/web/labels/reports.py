"""Chinese labels of the auditor's reports page and its CSV files (English key → Chinese)."""

ZH: dict[str, str] = {
    "Reports": "统计报表",
    "From": "开始日期",
    "To": "结束日期",
    "All segments": "全部抄表段",
    "Beijing days {start} to {end}, inclusive.": "北京时间 {start} 至 {end}（含首尾两天）。",
    "Download CSV": "导出 CSV",
    "No report named {name}; there are: {names}": "没有名为 {name} 的报表；可用的报表：{names}",
    # per day and segment
    "Disconnections and reconnections per day": "每日停电与复电",
    "Reconnected": "复电",
    "remotely": "远程",
    "on site": "现场",
    "Busiest day": "单日最多",
    "Per segment": "按抄表段",
    "Per day and segment": "按日期和抄表段",
    "Total": "合计",
    "Day": "日期",
    "Disconnected remotely": "远程停电",
    "Disconnected on site": "现场停电",
    "Reconnected on site": "现场复电",
    "Manual orders opened": "新开现场工单",
    "Nothing happened in this period.": "此期间没有停复电记录。",
    # payment to reconnection
    "Time from payment to reconnection": "缴费到复电时长",
    "Reconnections after a payment": "缴费后复电数",
    "Median, hours": "中位数（小时）",
    "95th percentile, hours": "95 百分位（小时）",
    "Over 24 hours": "超过 24 小时",
    "Reconnected without a clearing payment": "无结清缴费的复电",
    "up to 2 h": "2 小时内",
    "2–6 h": "2–6 小时",
    "6–12 h": "6–12 小时",
    "12–24 h": "12–24 小时",
    "over 24 h": "超过 24 小时",
    "Cases over 24 hours": "超过 24 小时的案例",
    "the {n} longest; the CSV has all": "仅显示最长的 {n} 个；CSV 含全部",
    "No case took more than 24 hours.": "没有超过 24 小时的案例。",
    "Paid at": "缴费时间",
    "Power restored at": "恢复供电时间",
    "How": "方式",
    "Hours": "小时",
    "Over 24 h": "超过 24 小时",
    "Remotely": "远程",
    "On site": "现场",
    "Yes": "是",
    "No": "否",
    "Customer name": "户名",
    # first attempt
    "First-attempt success of remote reconnection": "远程复电首次成功率",
    "First-attempt success rate": "首次发送成功率",
    "Automatic orders concluded": "已结束的自动工单",
    "Succeeded on send {n}": "第 {n} 次发送成功",
    "All sends failed": "全部发送失败",
    # manual orders
    "Manual (on-site) reconnection orders": "现场复电工单",
    "Why on site": "转现场原因",
    "Remote sends": "远程发送次数",
    "Remote sends failed": "远程复电失败",
    "No auto-reconnect flag": "未设自动复电标志",
    "Open": "处理中",
    "Closed": "已完成",
    "Abandoned": "已放弃",
    "No manual order was opened in this period.": "此期间没有新开现场工单。",
    # footnote
    "Where each number comes from": "数据来源与口径",
    "Days are Beijing calendar days (UTC+8).": "日期按北京时间（UTC+8）自然日计算。",
    "A disconnection is a finished one-customer disconnection process whose result is “disconnected”, counted on "
    "the day the relay opened (the head-end's report, or the time the executor entered after cutting on site).":
        "停电：结果为“已停电”的单户停电流程，按继电器断开的日期计（主站回报的时间，或执行人现场停电后录入的时间）。",
    "A reconnection is a reconnection order. It was done remotely when its reconnect command executed with the relay "
    "reported closed (meter commands; the command's execution time is when power came back); on site when the "
    "reader recorded it (the time entered, from the process history). It is counted on the day power came back.":
        "复电：一张复电工单。其合闸命令执行且回报继电器闭合即为远程复电（电表命令记录，命令执行时间即恢复供电时间）；"
        "抄表员现场录入即为现场复电（录入的时间，取自流程历史）。按恢复供电的日期计。",
    "The payment is the customer's latest payment, received before the reconnection order opened, that left nothing "
    "owed (the one that cleared the arrears); the time runs from its payment time to the time power came back.":
        "缴费：复电工单开立前收到的、使欠费结清的该户最近一笔缴费；时长从其缴费时间算到恢复供电时间。",
    "Median and 95th percentile use the nearest-rank method: the value at rank ⌈p × n⌉ of the n times in ascending "
    "order (for an even count the median is the lower middle value).":
        "中位数和 95 百分位采用最近秩法：n 个时长升序排列后第 ⌈p × n⌉ 个值（偶数个时中位数取居中两值中较小者）。",
    "First attempt: of the automatic orders opened in the period whose sends are over (reconnected remotely, or "
    "handed on to a manual order), those that succeeded on send 1. Sends are the recorded calls to the head-end; a "
    "busy meter counts as a failed send, as the diagram says.":
        "首次成功：本期开立且发送已结束（远程复电成功或转为现场工单）的自动工单中，第 1 次发送即成功的比例。"
        "发送次数取自流程历史中对主站的调用；电表忙按流程图计为一次失败发送。",
    "Manual orders are counted on the day their reconnection order opened: after every remote send failed, or at "
    "once for customers without the auto-reconnect flag.":
        "现场工单按其复电工单开立的日期计：远程发送全部失败后转现场，或未设自动复电标志的用户直接现场。",
}
