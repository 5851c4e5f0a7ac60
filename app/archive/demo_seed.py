"""A believable demo archive for Huainan: segments and their readers, one user per role, and
customers whose arrears, disconnections and flags give every process work at once.

The customers go in through ``import_customers``, so demo data passes the same checks as a
real import (a flag only where M1.1 screening allows it). Everything comes from one seeded
``random.Random``: the same seed gives the same archive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts import users
from app.accounts.roles import ROLES
from app.archive.customer_import import import_customers
from app.clock import Clock
from app.rules.beijing import beijing_date
from app.rules.screening import screen
from app.runtime.actors import Actor
from app.runtime.errors import Conflict
from storage import customers as customer_rows
from storage import segments as segment_rows
from storage import users as user_rows
from storage.domain_models import NOTICE_TYPES, PROTECTED_KINDS
from storage.statuses import PowerStatus

DEMO_PASSWORD = "relayflow-demo"  # noqa: S105 - the local demo database only; `bootstrap --demo` prints it too
# (code, district, area, the roads its customers live on)
SEGMENTS = (
    ("S01", "田家庵区", "洞山", ("洞山中路", "洞山东路", "龙湖南路")),
    ("S02", "田家庵区", "朝阳", ("朝阳中路", "国庆中路", "淮河大道")),
    ("S03", "大通区", "九龙岗", ("大通路", "九龙岗路", "淮舜南路")),
    ("S04", "谢家集区", "望峰岗", ("谢家集路", "望峰路", "蔡新路")),
    ("S05", "八公山区", "新庄孜", ("八公山路", "新庄孜路", "土坝孜路")),
    ("S06", "潘集区", "泥河", ("潘集大道", "泥河路", "芦集路")),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红梅志文斌浩然子涵雨欣宇轩博梓晨"
BRANDS = "恒鑫华瑞润顺德丰源达泰盛通安"
TRADES = ("商贸", "食品", "建材", "物流", "餐饮", "机械", "医药", "酒店")
COMPANY_KINDS = ("有限公司", "有限责任公司", "经营部")
REASONS = {
    "important": ("市重点企业连续生产线", "区人民医院手术室供电", "城市供水加压泵站"),
    "life_support": ("家中有居家呼吸机使用者", "家中有腹膜透析患者", "家中有制氧机长期使用者"),
    "power_protect": ("高考考点保电", "防汛排涝泵站保电", "重大活动保电"),
}
MOBILE_PREFIXES = ("134", "135", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "187",
                   "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "177", "180", "189")


class AlreadySeeded(Conflict):
    """The archive has customers: seeding again would mix demo data into it."""


@dataclass
class _Meter:
    voltage_class: str
    ami_connected: bool
    channel_online: bool
    can_direct_close: bool
    relay_type: str


# The demo people's display names, as a Chinese utility's staff list reads them (the pages show a
# display name as it is, in both languages, like any person's name).
DEMO_NAMES = {"applicant": "演示申请人", "approver": "演示审批人", "executor": "演示执行人",
              "sysadmin": "演示系统管理员", "analyst": "演示业务分析员", "auditor": "演示审计员"}


def seed_demo(session: Session, clock: Clock, actor: Actor, *, customers: int = 300, seed: int = 7) -> dict[str, int]:
    """Fill an empty archive with demo segments, users and ``customers`` customers.

    Raises ``AlreadySeeded`` (a ``RuntimeActionError``) when any customer exists. Users that
    exist already are kept as they are. Returns what was created, by kind.
    """
    existing = customer_rows.count(session)
    if existing:
        raise AlreadySeeded(f"the archive already has {existing} customers; the demo seed only fills an empty one")
    rng = random.Random(seed)  # noqa: S311 - demo data must repeat for a seed, not be secret
    segments, created = _seed_segments(session, clock, actor, rng)
    for role in ROLES:
        created += _ensure_user(session, clock, actor, f"demo-{role}", DEMO_NAMES[role], [role])
    rows = _customer_rows(rng, customers, clock.now())
    report = import_customers(session, clock, actor, rows, source=f"demo seed {seed}")
    if report.errors:
        raise RuntimeError(f"demo customers failed the import's checks: {report.errors[:3]}")
    return {
        "customers": report.imported,
        "disconnected": sum(row["power_status"] == PowerStatus.DISCONNECTED for row in rows),
        "owing": sum(row["owed"] != "0.00" for row in rows),
        "protected": sum(bool(row["protected_kind"]) for row in rows),
        "flagged": sum(row["auto_reconnect"] == "true" for row in rows),
        "segments": segments,
        "users": created,
    }


def _ensure_user(session: Session, clock: Clock, actor: Actor, username: str, display_name: str,
                 roles: list[str]) -> int:
    if user_rows.find(session, username) is not None:
        return 0
    users.create_user(session, clock, actor, username, display_name, roles, DEMO_PASSWORD)
    return 1


def _seed_segments(session: Session, clock: Clock, actor: Actor, rng: random.Random) -> tuple[int, int]:
    known = segment_rows.codes(session)
    segments = created = 0
    for index, (code, district, area, _roads) in enumerate(SEGMENTS, start=1):
        reader, reader_name, mobile = f"reader-{index:02d}", _person(rng), _mobile(rng)
        # a reader applies for their segment (M4.1) and reconnects on site when remote sends fail (M5.3)
        created += _ensure_user(session, clock, actor, reader, f"抄表员 {reader_name}", ["applicant", "executor"])
        if code not in known:
            segment_rows.add(session, code, f"{district}{area}抄表段", reader, mobile)
            segments += 1
    session.flush()
    return segments, created


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _customer_rows(rng: random.Random, count: int, now: datetime) -> list[dict[str, str]]:
    """The customers as import rows. Exact shares, picked from one shuffle: 10 % disconnected
    (half paid up, so the patrol finds work at once), 20 % owing, 5 % protected."""
    order = list(range(count))
    rng.shuffle(order)
    cut = round(count * 0.10)
    cut_owing = cut // 2
    owing = max(round(count * 0.20), cut_owing)
    # Shares overlap on purpose: a protected customer may owe, but is never one of those cut.
    status = {index: (PowerStatus.DISCONNECTED, position < cut_owing) for position, index in enumerate(order[:cut])}
    status |= {index: (PowerStatus.CONNECTED, True) for index in order[cut:cut + owing - cut_owing]}
    protected = order[cut:cut + round(count * 0.05)]
    kinds = {index: PROTECTED_KINDS[position % len(PROTECTED_KINDS)] for position, index in enumerate(protected)}
    today = beijing_date(now)
    return [_customer_row(rng, index, *status.get(index, (PowerStatus.CONNECTED, False)), kinds.get(index, ""), today)
            for index in range(count)]


def _customer_row(rng: random.Random, index: int, power: str, owes: bool, protected_kind: str,
                  today: date) -> dict[str, str]:
    code, district, _area, roads = SEGMENTS[index % len(SEGMENTS)]
    household = rng.random() >= 0.12
    street = f"淮南市{district}{rng.choice(roads)}{rng.randint(1, 300)}号"
    flat = f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
    meter = _Meter(
        voltage_class="low" if household or rng.random() < 0.6 else "high",
        ami_connected=rng.random() < 0.96, channel_online=rng.random() < 0.95,
        can_direct_close=rng.random() < 0.8, relay_type="external" if rng.random() < 0.15 else "internal",
    )
    flagged = rng.random() < 0.6 and screen(meter).eligible
    return {
        "number": f"34{index + 1:08d}",
        "name": _person(rng) if household else _company(rng),
        "mobile": _mobile(rng),
        "address": street + flat if household else street,
        "customer_class": "household" if household else "non_household",
        "voltage_class": meter.voltage_class, "segment_code": code, "meter_address": f"{202300000001 + index:012d}",
        "meter_protocol": "dlms" if rng.random() < 0.1 else "dlt645", "relay_type": meter.relay_type,
        "can_direct_close": _yes_no(meter.can_direct_close), "ami_connected": _yes_no(meter.ami_connected),
        "channel_online": _yes_no(meter.channel_online), "power_status": power,
        "owed": f"{rng.randint(3_000, 250_000) / 100:.2f}" if owes else "0.00",
        "overdue_since": (today - timedelta(days=rng.randint(35, 120))).isoformat() if owes else "",
        "protected_kind": protected_kind,
        "protected_reason": rng.choice(REASONS[protected_kind]) if protected_kind else "",
        "auto_reconnect": _yes_no(flagged),
        "subscriptions": ";".join(kind for kind in NOTICE_TYPES if rng.random() < 0.7),
    }


def _company(rng: random.Random) -> str:
    return f"淮南{rng.choice(BRANDS)}{rng.choice(BRANDS)}{rng.choice(TRADES)}{rng.choice(COMPANY_KINDS)}"


def _yes_no(value: bool) -> str:
    return "true" if value else "false"
