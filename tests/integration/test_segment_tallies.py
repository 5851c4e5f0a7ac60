"""Issue 14 item 9: ``/subscriptions`` reads ``segment_tallies`` (customers and SMS subscribers per
segment), which the database's triggers keep in the writer's own transaction — customers added,
moved to another segment and deleted, subscriptions made and taken back — and which migration
0019 counts once from what is there. Checked against grouping the tables themselves, on SQLite
and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete, func, select, text, update

from app.bootstrap import Services
from storage import segment_tallies
from storage.domain_models import Customer, SegmentTally, SmsSubscription
from tests.utility import seed_customer, seed_segment


def counted_by_grouping(services: Services) -> dict[tuple[str, str], int]:
    """The tallies as the rates screen computed them before: grouping customers and subscriptions."""
    with services.db.reading() as session:
        customers = session.execute(select(Customer.segment_code, func.count()).group_by(Customer.segment_code))
        joined = select(Customer.segment_code, SmsSubscription.notice_type, SmsSubscription.customer_id).join(
            Customer, Customer.id == SmsSubscription.customer_id).subquery()
        by_type = session.execute(select(joined.c.segment_code, joined.c.notice_type, func.count())
                                  .group_by(joined.c.segment_code, joined.c.notice_type))
        anyone = session.execute(select(joined.c.segment_code, func.count(func.distinct(joined.c.customer_id)))
                                 .group_by(joined.c.segment_code))
        found = {(code, segment_tallies.CUSTOMERS): n for code, n in customers}
        found.update({(code, kind): n for code, kind, n in by_type})
        found.update({(code, segment_tallies.ANY): n for code, n in anyone})
        return found


def tallied(services: Services) -> dict[tuple[str, str], int]:
    with services.db.reading() as session:
        return {key: n for key, n in segment_tallies.tallies(session).items() if n}


def customer_id(services: Services, number: str) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(Customer.id).where(Customer.number == number)).scalar_one())


def test_issue14_item9_triggers_keep_the_tallies_through_every_change(backend_services: Services) -> None:
    services = backend_services
    seed_segment(services, "S01")
    seed_segment(services, "S02", reader="reader-sun")
    for n, segment in enumerate(("S01", "S01", "S02", "S01"), 1):
        seed_customer(services, f"360000000{n}", segment_code=segment,
                      subscribed=("disconnection", "arrears") if n % 2 else ("reconnection",))
    assert tallied(services) == counted_by_grouping(services)
    assert tallied(services)[("S01", segment_tallies.CUSTOMERS)] == 3
    first, second = customer_id(services, "3600000001"), customer_id(services, "3600000002")
    with services.db.transaction() as session:  # a subscription taken back, then the customer's last
        session.execute(delete(SmsSubscription).where(SmsSubscription.customer_id == first,
                                                      SmsSubscription.notice_type == "arrears"))
        session.execute(delete(SmsSubscription).where(SmsSubscription.customer_id == second))
    assert tallied(services) == counted_by_grouping(services)
    with services.db.transaction() as session:  # moved with its subscription; one unchanged "move"
        session.execute(update(Customer).where(Customer.id == first).values(segment_code="S02"))
        session.execute(update(Customer).where(Customer.id == second).values(segment_code="S01"))
    assert tallied(services) == counted_by_grouping(services)
    with services.db.transaction() as session:  # deleted, its subscriptions with it (cascade)
        session.execute(delete(Customer).where(Customer.number == "3600000003"))
    assert tallied(services) == counted_by_grouping(services)
    assert tallied(services)[("S02", segment_tallies.ANY)] == 1


def test_issue14_item9_migration_0018_counts_what_is_there(backend_services: Services) -> None:
    services = backend_services
    seed_segment(services, "S01")
    for n in range(1, 6):
        seed_customer(services, f"370000000{n}", subscribed=("arrears",) if n % 2 else ())
    with services.db.transaction() as session:
        session.execute(delete(SegmentTally))
        session.execute(text(segment_tallies.FILL))
    assert tallied(services) == counted_by_grouping(services) == {
        ("S01", segment_tallies.CUSTOMERS): 5, ("S01", "arrears"): 3, ("S01", segment_tallies.ANY): 3}
