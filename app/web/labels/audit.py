"""Chinese labels of the auditor's screens (English key → Chinese)."""

ZH: dict[str, str] = {
    # the menu and the search
    "Audit": "审计",
    "Audit: cases": "审计：案卷查询",
    "Started from (Beijing date)": "启动日期自（北京时间）",
    "Started until (Beijing date)": "启动日期至（北京时间）",
    "{n} cases": "共 {n} 个案卷",
    "No case matches these filters.": "没有符合条件的案卷。",
    "Page {page} of {pages}": "第 {page} 页，共 {pages} 页",
    # the case page
    "Case": "案卷",
    "Export case file (JSON)": "导出案卷（JSON）",
    "Printable summary": "可打印摘要",
    "Verification script": "校验脚本",
    "Completed by then": "截至此时已完成",
    "Token position": "令牌位置",
    "Token positions": "令牌位置",
    "This event's step": "本事件环节",
    "Previous event": "上一事件",
    "Next event": "下一事件",
    "No token: nothing is waiting at this point.": "无令牌：此时没有等待中的环节。",
    "Process data as of this event": "截至此事件的流程数据",
    "Recorded inputs only: start data, form data, service results and messages.":
        "仅含记录的输入：启动数据、表单数据、服务结果与消息。",
    "This case has no recorded event.": "此案卷没有记录的事件。",
    "Who did what, when": "何人何时做了何事",
    "Operators' view of this instance": "此实例的操作视图",
    "deployment": "部署",
    # the verification
    "Verification": "校验结果",
    "Hash chain": "哈希链",
    "Intact": "完整",
    "Broken": "已损坏",
    "{n} events, head #{seq}": "{n} 个事件，链头 #{seq}",
    "Head hash": "链头哈希",
    "Deployment files": "部署文件",
    "bundle": "文件包",
    "Replay": "重放",
    "Seal": "封存",
    "event #{seq} sealed by seal {n}": "事件 #{seq} 已由第 {n} 号封存记录封存",
    "Not sealed yet": "尚未封存",
    "Verified": "已验证",
    "Diverged": "不一致",
    # the printable summary
    "Case summary": "案卷摘要",
    "Print / save as PDF": "打印 / 另存为 PDF",
    "Exported by {who} at {when} (Beijing time).": "由 {who} 于 {when}（北京时间）导出。",
    "Deployed files": "部署的文件",
    "File": "文件",
    "The JSON case file carries every event with its hash; verify_case.py re-computes them without our "
    "database (docs/verifying-a-case-file.md).":
        "JSON 案卷包含每个事件及其哈希；verify_case.py 无需访问本系统数据库即可重新计算校验"
        "（见 docs/verifying-a-case-file.md）。",
}
