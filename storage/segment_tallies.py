"""The per-segment counts of customers and of SMS subscribers (``segment_tallies``), kept by the
database's own triggers on ``customers`` and ``sms_subscriptions``: the statements that create
them (PostgreSQL and SQLite) and the reads (issue 14 item 9)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.domain_models import SegmentTally

CUSTOMERS, ANY = "customers", "any"  # the kinds beside the notice types

SQLITE_TRIGGERS = (
    # an upsert adds ``delta`` to a (segment, kind) row, creating it at need
    """CREATE TRIGGER segment_tally_customer_insert AFTER INSERT ON customers BEGIN
        INSERT INTO segment_tallies (segment_code, kind, count) VALUES (NEW.segment_code, 'customers', 1)
        ON CONFLICT (segment_code, kind) DO UPDATE SET count = count + 1;
    END""",
    # before the row goes, while its subscriptions still name it (their cascade then finds no customer)
    """CREATE TRIGGER segment_tally_customer_delete BEFORE DELETE ON customers BEGIN
        UPDATE segment_tallies SET count = count - 1 WHERE segment_code = OLD.segment_code AND kind = 'customers';
        UPDATE segment_tallies SET count = count - 1 WHERE segment_code = OLD.segment_code
            AND kind IN (SELECT notice_type FROM sms_subscriptions WHERE customer_id = OLD.id);
        UPDATE segment_tallies SET count = count - 1 WHERE segment_code = OLD.segment_code AND kind = 'any'
            AND EXISTS (SELECT 1 FROM sms_subscriptions WHERE customer_id = OLD.id);
    END""",
    """CREATE TRIGGER segment_tally_customer_move AFTER UPDATE OF segment_code ON customers
    WHEN OLD.segment_code IS NOT NEW.segment_code BEGIN
        UPDATE segment_tallies SET count = count - 1 WHERE segment_code = OLD.segment_code AND (kind = 'customers'
            OR kind IN (SELECT notice_type FROM sms_subscriptions WHERE customer_id = NEW.id)
            OR (kind = 'any' AND EXISTS (SELECT 1 FROM sms_subscriptions WHERE customer_id = NEW.id)));
        INSERT INTO segment_tallies (segment_code, kind, count)
            SELECT NEW.segment_code, 'customers', 1 WHERE true
            UNION ALL SELECT NEW.segment_code, notice_type, 1 FROM sms_subscriptions WHERE customer_id = NEW.id
            UNION ALL SELECT NEW.segment_code, 'any', 1 WHERE EXISTS (
                SELECT 1 FROM sms_subscriptions WHERE customer_id = NEW.id)
        ON CONFLICT (segment_code, kind) DO UPDATE SET count = count + 1;
    END""",
    """CREATE TRIGGER segment_tally_subscription_insert AFTER INSERT ON sms_subscriptions BEGIN
        INSERT INTO segment_tallies (segment_code, kind, count)
            SELECT segment_code, NEW.notice_type, 1 FROM customers WHERE id = NEW.customer_id
            UNION ALL SELECT segment_code, 'any', 1 FROM customers WHERE id = NEW.customer_id
                AND (SELECT count(*) FROM sms_subscriptions WHERE customer_id = NEW.customer_id) = 1
        ON CONFLICT (segment_code, kind) DO UPDATE SET count = count + 1;
    END""",
    """CREATE TRIGGER segment_tally_subscription_delete AFTER DELETE ON sms_subscriptions BEGIN
        UPDATE segment_tallies SET count = count - 1
            WHERE segment_code = (SELECT segment_code FROM customers WHERE id = OLD.customer_id)
            AND (kind = OLD.notice_type OR (kind = 'any' AND NOT EXISTS (
                SELECT 1 FROM sms_subscriptions WHERE customer_id = OLD.customer_id)));
    END""",
)

# PostgreSQL: inserts are counted once per statement (a bulk insert is many rows per statement;
# a row-level upsert on the same few tally rows, thousands of times in one transaction, leaves a
# dead row version behind each time and slows to a crawl). Deleting and moving customers, rare,
# stay row by row; a customer's deletion counts their subscriptions before the cascade removes them.
POSTGRES_TRIGGERS = (
    """CREATE FUNCTION relayflow_tally_customer(b_segment text, b_customer bigint, b_delta integer) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO segment_tallies (segment_code, kind, count)
            SELECT b_segment, 'customers', b_delta
            UNION ALL SELECT b_segment, notice_type, b_delta FROM sms_subscriptions WHERE customer_id = b_customer
            UNION ALL SELECT b_segment, 'any', b_delta
                WHERE EXISTS (SELECT 1 FROM sms_subscriptions WHERE customer_id = b_customer)
        ON CONFLICT (segment_code, kind) DO UPDATE SET count = segment_tallies.count + EXCLUDED.count
    $$""",
    """CREATE FUNCTION relayflow_tally_customers_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO segment_tallies (segment_code, kind, count)
            SELECT segment_code, 'customers', count(*) FROM added GROUP BY segment_code
        ON CONFLICT (segment_code, kind) DO UPDATE SET count = segment_tallies.count + EXCLUDED.count;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION relayflow_tally_customer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM relayflow_tally_customer(OLD.segment_code, OLD.id, -1);
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        PERFORM relayflow_tally_customer(NEW.segment_code, NEW.id, 1);
        RETURN NEW;
    END $$""",
    # a customer counts under "any" when the statement gave them their first subscriptions
    """CREATE FUNCTION relayflow_tally_subscriptions_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO segment_tallies (segment_code, kind, count)
            SELECT c.segment_code, a.notice_type, count(*) FROM added a JOIN customers c ON c.id = a.customer_id
                GROUP BY c.segment_code, a.notice_type
            UNION ALL SELECT c.segment_code, 'any', count(*) FROM (
                SELECT customer_id, count(*) AS n FROM added GROUP BY customer_id) a
                JOIN customers c ON c.id = a.customer_id
                WHERE (SELECT count(*) FROM sms_subscriptions s WHERE s.customer_id = a.customer_id) = a.n
                GROUP BY c.segment_code
        ON CONFLICT (segment_code, kind) DO UPDATE SET count = segment_tallies.count + EXCLUDED.count;
        RETURN NULL;
    END $$""",
    # a deleted customer's subscriptions find no customer here: counted by its own trigger already
    """CREATE FUNCTION relayflow_tally_subscriptions_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO segment_tallies (segment_code, kind, count)
            SELECT c.segment_code, r.notice_type, -count(*) FROM removed r JOIN customers c ON c.id = r.customer_id
                GROUP BY c.segment_code, r.notice_type
            UNION ALL SELECT c.segment_code, 'any', -count(DISTINCT r.customer_id) FROM removed r
                JOIN customers c ON c.id = r.customer_id
                WHERE NOT EXISTS (SELECT 1 FROM sms_subscriptions s WHERE s.customer_id = r.customer_id)
                GROUP BY c.segment_code
        ON CONFLICT (segment_code, kind) DO UPDATE SET count = segment_tallies.count + EXCLUDED.count;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER segment_tally_customer_insert AFTER INSERT ON customers REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION relayflow_tally_customers_added()",
    "CREATE TRIGGER segment_tally_customer_delete BEFORE DELETE ON customers "
    "FOR EACH ROW EXECUTE FUNCTION relayflow_tally_customer_changed()",
    "CREATE TRIGGER segment_tally_customer_move AFTER UPDATE OF segment_code ON customers "
    "FOR EACH ROW WHEN (OLD.segment_code IS DISTINCT FROM NEW.segment_code) "
    "EXECUTE FUNCTION relayflow_tally_customer_changed()",
    "CREATE TRIGGER segment_tally_subscription_insert AFTER INSERT ON sms_subscriptions "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION relayflow_tally_subscriptions_added()",
    "CREATE TRIGGER segment_tally_subscription_delete AFTER DELETE ON sms_subscriptions "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION relayflow_tally_subscriptions_removed()",
)
TRIGGERS = (("segment_tally_customer_insert", "customers"), ("segment_tally_customer_delete", "customers"),
            ("segment_tally_customer_move", "customers"), ("segment_tally_subscription_insert", "sms_subscriptions"),
            ("segment_tally_subscription_delete", "sms_subscriptions"))
POSTGRES_FUNCTIONS = ("relayflow_tally_subscriptions_removed()", "relayflow_tally_subscriptions_added()",
                      "relayflow_tally_customer_changed()", "relayflow_tally_customers_added()",
                      "relayflow_tally_customer(text, bigint, integer)")

# the tallies of what is there, for the migration that creates the triggers
FILL = """INSERT INTO segment_tallies (segment_code, kind, count)
    SELECT segment_code, 'customers', count(*) FROM customers GROUP BY segment_code
    UNION ALL SELECT c.segment_code, s.notice_type, count(*) FROM sms_subscriptions s
        JOIN customers c ON c.id = s.customer_id GROUP BY c.segment_code, s.notice_type
    UNION ALL SELECT c.segment_code, 'any', count(DISTINCT s.customer_id) FROM sms_subscriptions s
        JOIN customers c ON c.id = s.customer_id GROUP BY c.segment_code"""


def tallies(session: Session) -> dict[tuple[str, str], int]:
    """(segment, kind) → count, for every kind (``CUSTOMERS``, ``ANY``, each notice type)."""
    return {(code, kind): n for code, kind, n in session.execute(
        select(SegmentTally.segment_code, SegmentTally.kind, SegmentTally.count))}


def of_kind(found: dict[tuple[str, str], int], kind: str) -> dict[str, int]:
    """segment → count of one kind, from ``tallies``."""
    return {code: n for (code, kinds), n in found.items() if kinds == kind}
