"""A complete, connected set of rows in every tenant table for one account (as the owner role)."""

import uuid

from sqlalchemy import text

GRAPH = """
WITH
  u AS (INSERT INTO users (account_id, slack_user_id, name, role) VALUES (:a, :slack_user, 'Owner', 'owner') RETURNING id),
  v AS (INSERT INTO venues (account_id, name, capacity) VALUES (:a, 'Hall ' || :tag, 500) RETURNING id),
  e AS (INSERT INTO events (account_id, venue_id, slug, name, starts_at, timezone, capacity, sold, status, created_by)
        SELECT :a, v.id, 'gala-' || :tag, 'Gala', now() + interval '7 days', 'UTC', 100, 1, 'published', u.id FROM v, u RETURNING id),
  p AS (INSERT INTO products (account_id, event_id, slug, name, price_cents, currency, capacity, sold)
        SELECT :a, e.id, 'ga', 'General', 2500, 'USD', 50, 1 FROM e RETURNING id),
  co AS (INSERT INTO companies (account_id, name, domain) VALUES (:a, 'Acme ' || :tag, 'acme.test') RETURNING id),
  c AS (INSERT INTO contacts (account_id, company_id, email, first_name) SELECT :a, co.id, 'ann-' || :tag || '@acme.test', 'Ann' FROM co RETURNING id),
  cc AS (INSERT INTO consent_changes (account_id, contact_id, channel, granted, source) SELECT :a, c.id, 'email', true, 'test' FROM c RETURNING id),
  i AS (INSERT INTO interactions (account_id, contact_id, user_id, kind, body, occurred_at) SELECT :a, c.id, u.id, 'note', 'hello', now() FROM c, u RETURNING id),
  ct AS (INSERT INTO contact_threads (account_id, contact_id, channel_id, thread_ts) SELECT :a, c.id, 'C1', :tag FROM c RETURNING id),
  o AS (INSERT INTO orders (account_id, event_id, contact_id, reference, status, quantity, total_cents, currency, email, paid_at)
        SELECT :a, e.id, c.id, 'R' || :tag, 'paid', 1, 2500, 'USD', 'ann@acme.test', now() FROM e, c RETURNING id),
  ol AS (INSERT INTO order_lines (account_id, order_id, product_id, quantity, unit_price_cents) SELECT :a, o.id, p.id, 1, 2500 FROM o, p RETURNING id),
  pay AS (INSERT INTO payments (account_id, order_id, provider, amount_cents, currency) SELECT :a, o.id, 'cash', 2500, 'USD' FROM o RETURNING id),
  at AS (INSERT INTO attendees (account_id, event_id, order_id, product_id, contact_id, name, email)
         SELECT :a, e.id, o.id, p.id, c.id, 'Ann', 'ann@acme.test' FROM e, o, p, c RETURNING id),
  t AS (INSERT INTO tickets (account_id, attendee_id, event_id, code) SELECT :a, at.id, e.id, 'code-' || :tag FROM at, e RETURNING id),
  dt AS (INSERT INTO door_tokens (account_id, event_id, name, token_hash) SELECT :a, e.id, 'Door', md5(:tag) FROM e RETURNING id),
  ci AS (INSERT INTO check_ins (account_id, event_id, ticket_id, attendee_id, result, source, scanned_at, door_token_id)
         SELECT :a, e.id, t.id, at.id, 'admitted', 'api', now(), dt.id FROM e, t, at, dt RETURNING id),
  pw AS (INSERT INTO processed_webhooks (account_id, provider, event_id, event_type) VALUES (:a, 'stripe', 'evt_' || :tag, 'x') RETURNING id),
  cam AS (INSERT INTO campaigns (account_id, event_id, slug, name, channel, audience, template) SELECT :a, e.id, 'spring', 'Spring', 'email', 'all', 'announce' FROM e RETURNING id),
  cr AS (INSERT INTO campaign_recipients (account_id, campaign_id, contact_id) SELECT :a, cam.id, c.id FROM cam, c RETURNING id),
  ea AS (INSERT INTO event_analytics (account_id, event_id, day, tickets_sold) SELECT :a, e.id, current_date, 1 FROM e RETURNING event_id),
  aw AS (INSERT INTO analytics_watermarks (account_id, rolled_up_to) VALUES (:a, now()) RETURNING id),
  ds AS (INSERT INTO digest_subscriptions (account_id, channel_id, at_local, next_run_at) VALUES (:a, 'C1', '09:00', now()) RETURNING id),
  dr AS (INSERT INTO digest_runs (account_id, subscription_id, local_date) SELECT :a, ds.id, current_date FROM ds RETURNING id),
  te AS (INSERT INTO ticket_emails (account_id, order_id, dedupe_key) SELECT :a, o.id, 'te-' || :tag FROM o RETURNING id),
  ob AS (INSERT INTO outbox (account_id, dedupe_key, kind, channel_id, payload) VALUES (:a, 'k-' || :tag, 'post', 'C1', '{}') RETURNING id)
SELECT 1
"""

# Tables added after migration 0009, one statement each, on the rows GRAPH made.
LATER = (
    """WITH pc AS (INSERT INTO promo_codes (account_id, event_id, code, percent_off)
                   SELECT :a, id, 'CODE-' || upper(:tag), 10 FROM events WHERE account_id = :a RETURNING id)
    INSERT INTO promo_code_products (account_id, promo_code_id, product_id)
    SELECT :a, pc.id, p.id FROM pc, products p WHERE p.account_id = :a""",
    """WITH
      e AS (SELECT id FROM events WHERE account_id = :a),
      u AS (SELECT id FROM users WHERE account_id = :a),
      c AS (SELECT id FROM contacts WHERE account_id = :a),
      gl AS (INSERT INTO guest_lists (account_id, event_id, name, promoter_id, cap, taken)
             SELECT :a, e.id, 'vip', u.id, 10, 1 FROM e, u RETURNING id),
      ge AS (INSERT INTO guest_entries (account_id, event_id, list_id, name, contact_id, promoter_id)
             SELECT :a, e.id, gl.id, 'Gus', c.id, u.id FROM e, gl, c, u RETURNING id)
    INSERT INTO check_ins (account_id, event_id, guest_entry_id, party, result, source, scanned_at)
    SELECT :a, e.id, ge.id, 1, 'admitted', 'slack', now() FROM e, ge""",
    """INSERT INTO sale_rushes (account_id, event_id, started_at, last_sale_at, orders, seats, revenue_cents)
       SELECT :a, id, now(), now(), 1, 1, 2500 FROM events WHERE account_id = :a""",
    """WITH tl AS (INSERT INTO tracked_links (account_id, event_id, token, source, promoter_id)
                   SELECT :a, e.id, 'tl' || lower(:tag), 'instagram', u.id
                     FROM events e, users u WHERE e.account_id = :a AND u.account_id = :a
                   RETURNING source, promoter_id)
    UPDATE orders SET channel_source = tl.source, promoter_user_id = tl.promoter_id FROM tl WHERE account_id = :a""",
    """WITH d AS (INSERT INTO demos (account_id) VALUES (:a) RETURNING id)
    INSERT INTO demo_rows (account_id, demo_id, kind, row_id)
    SELECT :a, d.id, 'event', e.id FROM d, events e WHERE e.account_id = :a""",
    """WITH
      w AS (INSERT INTO waitlist_entries (account_id, event_id, product_id, contact_id, email, quantity, status, order_id)
            SELECT :a, o.event_id, l.product_id, o.contact_id, o.email, 1, 'offered', o.id
              FROM orders o JOIN order_lines l ON l.account_id = o.account_id AND l.order_id = o.id
             WHERE o.account_id = :a RETURNING id, order_id)
    INSERT INTO waitlist_offers (account_id, entry_id, order_id) SELECT :a, w.id, w.order_id FROM w""",
    """WITH s AS (INSERT INTO account_day_sales (account_id, day, currency, orders, tickets_sold, revenue_cents)
                  VALUES (:a, current_date, 'USD', 1, 1, 2500) RETURNING day)
    INSERT INTO account_day_sources (account_id, day, source, channel_source, promoter_user_id, currency, orders, tickets, cents)
    SELECT :a, s.day, 'web', 'instagram', u.id, 'USD', 1, 1, 2500 FROM s, users u WHERE u.account_id = :a""",
)


async def seed_graph(connection, account_id: uuid.UUID, tag: str, *, later: bool = True) -> None:
    """Insert one row in every tenant table for `account_id` (run as the tables' owner).

    `later=False` stops at the tables of migration 0009, for a database not yet migrated further.
    """
    await connection.execute(text("INSERT INTO accounts (id, name, slack_team_id) VALUES (:a, :tag, :team)"),
                             {"a": account_id, "tag": tag, "team": f"T{tag}"})
    await connection.execute(text(GRAPH), {"a": account_id, "tag": tag, "slack_user": f"U{tag}"})
    if later:
        for statement in LATER:
            await connection.execute(text(statement), {"a": account_id, "tag": tag})
