"""Waitlist: people waiting for a sold-out ticket type, and the emailed offers that hold seats for them.

- `waitlist_entries`: one line per person and ticket type (one open entry per email), in the order
  they joined. An offer is a pending order (`order_id`) that holds the seats through the same
  capacity counters as any hold, so nobody else can take them; its outcome (bought, lapsed) is
  settled from that order.
- `waitlist_offers`: the offer emails, a delivery queue on the job engine (one row per offer).
- `events.waitlist_offer_hours`: how long an offer holds its seats (1 to 24 hours: a Stripe
  Checkout Session lives at most 24 hours).

Revision ID: 0095
Revises: 0091
"""

from alembic import op

from db.tenant_tables import isolate

revision = "0095"
down_revision = "0091"
branch_labels = None
depends_on = None

SYSTEM = "eventos_system"


def upgrade() -> None:
    op.execute(
        "ALTER TABLE events ADD COLUMN waitlist_offer_hours integer DEFAULT 24 NOT NULL, "
        "ADD CONSTRAINT ck_events_waitlist_offer_hours CHECK (waitlist_offer_hours BETWEEN 1 AND 24)"
    )
    op.execute(
        """
        CREATE TABLE waitlist_entries (
            id uuid DEFAULT gen_random_uuid() NOT NULL,
            account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            event_id uuid NOT NULL,
            product_id uuid NOT NULL,
            contact_id uuid NOT NULL,
            email text NOT NULL,
            name text,
            quantity integer NOT NULL,
            status text DEFAULT 'waiting' NOT NULL,
            order_id uuid,
            offered_at timestamptz,
            settled_at timestamptz,
            created_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT pk_waitlist_entries PRIMARY KEY (id),
            CONSTRAINT uq_waitlist_entries_account_id_id UNIQUE (account_id, id),
            CONSTRAINT fk_waitlist_entries_account_id_event_id_events FOREIGN KEY (account_id, event_id)
                REFERENCES events (account_id, id) ON DELETE CASCADE,
            CONSTRAINT fk_waitlist_entries_account_id_product_id_products FOREIGN KEY (account_id, product_id)
                REFERENCES products (account_id, id) ON DELETE CASCADE,
            CONSTRAINT fk_waitlist_entries_account_id_contact_id_contacts FOREIGN KEY (account_id, contact_id)
                REFERENCES contacts (account_id, id),
            CONSTRAINT fk_waitlist_entries_account_id_order_id_orders FOREIGN KEY (account_id, order_id)
                REFERENCES orders (account_id, id),
            CONSTRAINT ck_waitlist_entries_quantity CHECK (quantity BETWEEN 1 AND 100),
            CONSTRAINT ck_waitlist_entries_status CHECK (status IN ('waiting', 'offered', 'bought', 'lapsed')),
            CONSTRAINT ck_waitlist_entries_offer CHECK ((status = 'waiting') = (order_id IS NULL))
        )
        """
    )
    # One open place in line per person and ticket type: joining again updates it.
    op.execute(
        "CREATE UNIQUE INDEX uq_waitlist_entries_open ON waitlist_entries (account_id, product_id, email) "
        "WHERE status IN ('waiting', 'offered')"
    )
    op.execute(
        "CREATE INDEX ix_waitlist_entries_line ON waitlist_entries (account_id, product_id, created_at, id) "
        "WHERE status = 'waiting'"
    )
    op.execute("CREATE INDEX ix_waitlist_entries_event ON waitlist_entries (account_id, event_id, created_at)")
    op.execute("CREATE INDEX ix_waitlist_entries_contact ON waitlist_entries (account_id, contact_id)")
    op.execute("CREATE UNIQUE INDEX uq_waitlist_entries_order ON waitlist_entries (account_id, order_id)")
    op.execute("CREATE INDEX ix_waitlist_entries_open ON waitlist_entries (account_id) "
               "WHERE status IN ('waiting', 'offered')")
    op.execute(
        """
        CREATE TABLE waitlist_offers (
            id uuid DEFAULT gen_random_uuid() NOT NULL,
            account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            entry_id uuid NOT NULL,
            order_id uuid NOT NULL,
            status text DEFAULT 'pending' NOT NULL,
            attempts integer DEFAULT 0 NOT NULL,
            next_attempt_at timestamptz DEFAULT now() NOT NULL,
            claimed_until timestamptz,
            claimed_by uuid,
            attempt_started_at timestamptz,
            first_attempt_at timestamptz,
            in_doubt boolean DEFAULT false NOT NULL,
            last_error text,
            sent_at timestamptz,
            created_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT pk_waitlist_offers PRIMARY KEY (id),
            CONSTRAINT uq_waitlist_offers_account_id_id UNIQUE (account_id, id),
            CONSTRAINT fk_waitlist_offers_account_id_entry_id_waitlist_entries FOREIGN KEY (account_id, entry_id)
                REFERENCES waitlist_entries (account_id, id) ON DELETE CASCADE,
            CONSTRAINT fk_waitlist_offers_account_id_order_id_orders FOREIGN KEY (account_id, order_id)
                REFERENCES orders (account_id, id),
            CONSTRAINT ck_waitlist_offers_status CHECK (status IN ('pending', 'sent', 'dead', 'ended'))
        )
        """
    )
    # One offer per entry: an entry is offered once; a lapsed offer passes to the next in line.
    op.execute("CREATE UNIQUE INDEX uq_waitlist_offers_entry ON waitlist_offers (account_id, entry_id)")
    op.execute("CREATE INDEX ix_waitlist_offers_order ON waitlist_offers (account_id, order_id)")
    op.execute("CREATE INDEX ix_waitlist_offers_due ON waitlist_offers (next_attempt_at) WHERE status = 'pending'")
    isolate("waitlist_entries", "waitlist_offers")
    # The job engine finds due work across tenants as the system role: ids, accounts and due times only.
    op.execute(f"GRANT SELECT (id, account_id, status) ON waitlist_entries TO {SYSTEM}")
    op.execute(f"CREATE POLICY system_routing ON waitlist_entries TO {SYSTEM} USING (true)")
    op.execute(f"GRANT SELECT (id, account_id, status, next_attempt_at, claimed_until) ON waitlist_offers TO {SYSTEM}")
    op.execute(f"GRANT UPDATE (claimed_until, claimed_by) ON waitlist_offers TO {SYSTEM}")
    op.execute(f"CREATE POLICY system_routing ON waitlist_offers TO {SYSTEM} USING (true) WITH CHECK (true)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS waitlist_offers")
    op.execute("DROP TABLE IF EXISTS waitlist_entries")
    op.execute("ALTER TABLE events DROP CONSTRAINT IF EXISTS ck_events_waitlist_offer_hours")
    op.execute("ALTER TABLE events DROP COLUMN IF EXISTS waitlist_offer_hours")
