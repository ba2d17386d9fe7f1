"""Order tallies: an event's orders counted and summed per state and channel, kept by triggers.

The event card summed every order of the event at each view: the money per currency, the sales by
source and promoter, the orders per state (35 ms of PostgreSQL time for a 20,000-order event,
most of a card's cost). `order_tallies` holds those sums instead, one row per event, state, kind,
channel, tracked source, promoter and currency: orders, tickets, what they took, and what went
back through partial refunds (capped at each order's total, as `core/sales/totals.py` counts it).

Held (pending) orders are not tallied: a hold inserts its order before it takes its seats, and a
tally row locked from then to commit would make concurrent holds of one event wait on each other
for the whole transaction. The card counts holds live (a few rows of `ix_orders_event_status`).
A trigger on orders moves an order between tallies as it is paid, refunded, cancelled or expires,
in the transaction that changes it; a trigger on payments adds partial refunds to the order's tally.

Revision ID: 0098
Revises: 0096
"""

from alembic import op

from db.data_migrations import every_row_visible
from db.tenant_tables import isolate

revision = "0098"
down_revision = "0096"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public"
NO_PROMOTER = "'00000000-0000-0000-0000-000000000000'::uuid"
KEY = f"account_id, event_id, status, kind, source, coalesce(channel_source, ''), coalesce(promoter_user_id, {NO_PROMOTER}), currency"
COLUMNS = "account_id, event_id, status, kind, source, channel_source, promoter_user_id, currency"
ADD = (
    "orders = t.orders + excluded.orders, tickets = t.tickets + excluded.tickets, "
    "cents = t.cents + excluded.cents, refunded_cents = t.refunded_cents + excluded.refunded_cents"
)

# An order's refunds, capped at its total: what a paid order gave back (core/sales/totals.py).
GIVEN_BACK = """least({order}.total_cents, (SELECT coalesce(sum(p.refunded_cents), 0) FROM payments p
                                            WHERE p.account_id = {order}.account_id AND p.order_id = {order}.id))"""

# Takes the old row off its tally and adds the new one to its own, in one statement whose rows go
# in key order (two transactions moving orders between the same tallies lock them in one order).
ON_ORDER = f"""
CREATE FUNCTION order_tallies_on_order() RETURNS trigger LANGUAGE plpgsql {PINNED} AS $$
BEGIN
    INSERT INTO order_tallies AS t ({COLUMNS}, orders, tickets, cents, refunded_cents)
    SELECT {COLUMNS}, sum(n), sum(n * quantity), sum(n * total_cents::bigint), sum(n * back::bigint)
      FROM (
        SELECT -1 AS n, OLD.account_id, OLD.event_id, OLD.status, OLD.kind, OLD.source, OLD.channel_source,
               OLD.promoter_user_id, OLD.currency, OLD.quantity, OLD.total_cents, {GIVEN_BACK.format(order="OLD")} AS back
         WHERE TG_OP <> 'INSERT' AND OLD.status <> 'pending'
        UNION ALL
        SELECT 1, NEW.account_id, NEW.event_id, NEW.status, NEW.kind, NEW.source, NEW.channel_source,
               NEW.promoter_user_id, NEW.currency, NEW.quantity, NEW.total_cents, {GIVEN_BACK.format(order="NEW")}
         WHERE TG_OP <> 'DELETE' AND NEW.status <> 'pending'
      ) AS moved ({COLUMNS.replace("account_id", "n, account_id")}, quantity, total_cents, back)
     GROUP BY {COLUMNS}
     ORDER BY {COLUMNS}
    ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
    RETURN NULL;
END $$
"""

# A refund recorded on a payment: its order's tally gives back the difference it makes to the capped sum.
ON_PAYMENT = f"""
CREATE FUNCTION order_tallies_on_payment() RETURNS trigger LANGUAGE plpgsql {PINNED} AS $$
DECLARE
    changed bigint := coalesce(CASE WHEN TG_OP <> 'DELETE' THEN NEW.refunded_cents END, 0)
                    - coalesce(CASE WHEN TG_OP <> 'INSERT' THEN OLD.refunded_cents END, 0);
    paid_for uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.order_id ELSE NEW.order_id END;
    account uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END;
BEGIN
    IF changed = 0 THEN
        RETURN NULL;
    END IF;
    UPDATE order_tallies t
       SET refunded_cents = t.refunded_cents + least(o.total_cents, r.now) - least(o.total_cents, r.now - changed)
      FROM orders o,
           LATERAL (SELECT coalesce(sum(p.refunded_cents), 0) AS now FROM payments p
                     WHERE p.account_id = o.account_id AND p.order_id = o.id) r
     WHERE o.account_id = account AND o.id = paid_for AND o.status <> 'pending'
       AND t.account_id = o.account_id AND t.event_id = o.event_id AND t.status = o.status AND t.kind = o.kind
       AND t.source = o.source AND coalesce(t.channel_source, '') = coalesce(o.channel_source, '')
       AND coalesce(t.promoter_user_id, {NO_PROMOTER}) = coalesce(o.promoter_user_id, {NO_PROMOTER})
       AND t.currency = o.currency;
    RETURN NULL;
END $$
"""

TALLIED = "status, kind, source, channel_source, promoter_user_id, currency, quantity, total_cents, event_id"


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE order_tallies (
            id uuid DEFAULT gen_random_uuid() NOT NULL,
            account_id uuid NOT NULL,
            event_id uuid NOT NULL,
            status text NOT NULL,
            kind text NOT NULL,
            source text NOT NULL,
            channel_source text,
            promoter_user_id uuid,
            currency varchar(3) NOT NULL,
            orders integer DEFAULT 0 NOT NULL,
            tickets integer DEFAULT 0 NOT NULL,
            cents bigint DEFAULT 0 NOT NULL,
            refunded_cents bigint DEFAULT 0 NOT NULL,
            CONSTRAINT pk_order_tallies PRIMARY KEY (id),
            CONSTRAINT uq_order_tallies_account_id_id UNIQUE (account_id, id),
            CONSTRAINT fk_order_tallies_account_id_accounts FOREIGN KEY (account_id)
                REFERENCES accounts (id) ON DELETE CASCADE,
            CONSTRAINT fk_order_tallies_account_id_event_id_events FOREIGN KEY (account_id, event_id)
                REFERENCES events (account_id, id) ON DELETE CASCADE
        )
        """
    )
    op.execute(f"CREATE UNIQUE INDEX uq_order_tallies_key ON order_tallies ({KEY})")
    isolate("order_tallies")
    with every_row_visible("order_tallies", "orders", "payments"):
        op.execute(
            f"""
            INSERT INTO order_tallies ({COLUMNS}, orders, tickets, cents, refunded_cents)
            SELECT {COLUMNS}, count(*), sum(quantity), sum(total_cents), sum({GIVEN_BACK.format(order="o")})
              FROM orders o WHERE status <> 'pending'
             GROUP BY {COLUMNS}
            """
        )
    op.execute(ON_ORDER)
    op.execute(ON_PAYMENT)
    op.execute("REVOKE EXECUTE ON FUNCTION order_tallies_on_order(), order_tallies_on_payment() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER order_tallies_insert AFTER INSERT ON orders FOR EACH ROW "
        "WHEN (NEW.status <> 'pending') EXECUTE FUNCTION order_tallies_on_order()"
    )
    op.execute(
        f"CREATE TRIGGER order_tallies_update AFTER UPDATE OF {TALLIED} ON orders FOR EACH ROW "
        f"WHEN ((OLD.status <> 'pending' OR NEW.status <> 'pending') AND "
        f"(OLD.{', OLD.'.join(TALLIED.split(', '))}) IS DISTINCT FROM (NEW.{', NEW.'.join(TALLIED.split(', '))})) "
        "EXECUTE FUNCTION order_tallies_on_order()"
    )
    op.execute(
        "CREATE TRIGGER order_tallies_delete AFTER DELETE ON orders FOR EACH ROW "
        "WHEN (OLD.status <> 'pending') EXECUTE FUNCTION order_tallies_on_order()"
    )
    op.execute(
        "CREATE TRIGGER order_tallies_refund AFTER INSERT OR UPDATE OF refunded_cents OR DELETE ON payments "
        "FOR EACH ROW EXECUTE FUNCTION order_tallies_on_payment()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS order_tallies_refund ON payments")
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS order_tallies_{trigger} ON orders")
    op.execute("DROP FUNCTION IF EXISTS order_tallies_on_payment()")
    op.execute("DROP FUNCTION IF EXISTS order_tallies_on_order()")
    op.execute("DROP TABLE IF EXISTS order_tallies")
