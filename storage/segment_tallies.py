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

POSTGRES_TRIGGERS = (
    """CREATE FUNCTION relayflow_tally_add(b_segment text, b_kind text, b_delta integer) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO segment_tallies (segment_code, kind, count) VALUES (b_segment, b_kind, b_delta)
        ON CONFLICT (segment_code, kind) DO UPDATE SET count = segment_tallies.count + EXCLUDED.count
    $$""",
    """CREATE FUNCTION relayflow_tally_customer(b_segment text, b_customer bigint, b_delta integer) RETURNS void
    LANGUAGE sql AS $$
        SELECT relayflow_tally_add(b_segment, 'customers', b_delta);
        SELECT relayflow_tally_add(b_segment, notice_type, b_delta) FROM sms_subscriptions
            WHERE customer_id = b_customer;
        SELECT relayflow_tally_add(b_segment, 'any', b_delta)
            WHERE EXISTS (SELECT 1 FROM sms_subscriptions WHERE customer_id = b_customer);
    $$""",
    """CREATE FUNCTION relayflow_tally_customers() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM relayflow_tally_add(NEW.segment_code, 'customers', 1);
            RETURN NEW;
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM relayflow_tally_customer(OLD.segment_code, OLD.id, -1);
            RETURN OLD;
        END IF;
        PERFORM relayflow_tally_customer(OLD.segment_code, OLD.id, -1);
        PERFORM relayflow_tally_customer(NEW.segment_code, NEW.id, 1);
        RETURN NEW;
    END $$""",
    """CREATE FUNCTION relayflow_tally_subscriptions() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        segment text;
        customer bigint := CASE WHEN TG_OP = 'INSERT' THEN NEW.customer_id ELSE OLD.customer_id END;
        delta integer := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
    BEGIN
        SELECT segment_code INTO segment FROM customers WHERE id = customer;
        IF segment IS NULL THEN
            RETURN NULL;  -- its customer's deletion counted it already
        END IF;
        PERFORM relayflow_tally_add(segment, CASE WHEN TG_OP = 'INSERT' THEN NEW.notice_type
                                                  ELSE OLD.notice_type END, delta);
        IF (SELECT count(*) FROM sms_subscriptions WHERE customer_id = customer) = (delta + 1) / 2 THEN
            PERFORM relayflow_tally_add(segment, 'any', delta);  -- its first, or its last gone
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER segment_tally_customer_insert AFTER INSERT ON customers "
    "FOR EACH ROW EXECUTE FUNCTION relayflow_tally_customers()",
    "CREATE TRIGGER segment_tally_customer_delete BEFORE DELETE ON customers "
    "FOR EACH ROW EXECUTE FUNCTION relayflow_tally_customers()",
    "CREATE TRIGGER segment_tally_customer_move AFTER UPDATE OF segment_code ON customers "
    "FOR EACH ROW WHEN (OLD.segment_code IS DISTINCT FROM NEW.segment_code) "
    "EXECUTE FUNCTION relayflow_tally_customers()",
    "CREATE TRIGGER segment_tally_subscriptions AFTER INSERT OR DELETE ON sms_subscriptions "
    "FOR EACH ROW EXECUTE FUNCTION relayflow_tally_subscriptions()",
)

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
