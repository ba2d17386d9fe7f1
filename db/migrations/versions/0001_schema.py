"""The schema: the 15 core tables and their supporting tables, constraints and indexes.

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('slack_team_id', sa.String(length=32), nullable=True),
    sa.Column('slack_enterprise_id', sa.String(length=32), nullable=True),
    sa.Column('timezone', sa.Text(), server_default='UTC', nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='USD', nullable=False),
    sa.Column('sales_channel', sa.String(length=32), nullable=True),
    sa.Column('default_role', sa.Text(), server_default='sales', nullable=False),
    sa.Column('status', sa.Text(), server_default='active', nullable=False),
    sa.Column('stripe_account_id', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_accounts_currency')),
    sa.CheckConstraint("default_role IN ('owner', 'admin', 'organizer', 'sales', 'door')", name=op.f('ck_accounts_default_role')),
    sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f('ck_accounts_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts'))
    )
    op.create_index('uq_accounts_slack_workspace', 'accounts', [sa.literal_column("coalesce(slack_enterprise_id, '')"), sa.literal_column("coalesce(slack_team_id, '')")], unique=True, postgresql_where=sa.text('slack_team_id IS NOT NULL OR slack_enterprise_id IS NOT NULL'))
    op.create_table('slack_bots',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=True),
    sa.Column('enterprise_name', sa.String(length=200), nullable=True),
    sa.Column('team_id', sa.String(length=32), nullable=True),
    sa.Column('team_name', sa.String(length=200), nullable=True),
    sa.Column('bot_token', sa.String(length=200), nullable=True),
    sa.Column('bot_id', sa.String(length=32), nullable=True),
    sa.Column('bot_user_id', sa.String(length=32), nullable=True),
    sa.Column('bot_scopes', sa.String(length=1000), nullable=True),
    sa.Column('bot_refresh_token', sa.String(length=200), nullable=True),
    sa.Column('bot_token_expires_at', sa.DateTime(), nullable=True),
    sa.Column('is_enterprise_install', sa.Boolean(), nullable=False),
    sa.Column('installed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_bots'))
    )
    op.create_index('slack_bots_idx', 'slack_bots', ['client_id', 'enterprise_id', 'team_id', 'installed_at'], unique=False)
    op.create_table('slack_deliveries',
    sa.Column('event_id', sa.Text(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_slack_deliveries'))
    )
    op.create_table('slack_installations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=True),
    sa.Column('enterprise_name', sa.String(length=200), nullable=True),
    sa.Column('enterprise_url', sa.String(length=200), nullable=True),
    sa.Column('team_id', sa.String(length=32), nullable=True),
    sa.Column('team_name', sa.String(length=200), nullable=True),
    sa.Column('bot_token', sa.String(length=200), nullable=True),
    sa.Column('bot_id', sa.String(length=32), nullable=True),
    sa.Column('bot_user_id', sa.String(length=32), nullable=True),
    sa.Column('bot_scopes', sa.String(length=1000), nullable=True),
    sa.Column('bot_refresh_token', sa.String(length=200), nullable=True),
    sa.Column('bot_token_expires_at', sa.DateTime(), nullable=True),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('user_token', sa.String(length=200), nullable=True),
    sa.Column('user_scopes', sa.String(length=1000), nullable=True),
    sa.Column('user_refresh_token', sa.String(length=200), nullable=True),
    sa.Column('user_token_expires_at', sa.DateTime(), nullable=True),
    sa.Column('incoming_webhook_url', sa.String(length=200), nullable=True),
    sa.Column('incoming_webhook_channel', sa.String(length=200), nullable=True),
    sa.Column('incoming_webhook_channel_id', sa.String(length=200), nullable=True),
    sa.Column('incoming_webhook_configuration_url', sa.String(length=200), nullable=True),
    sa.Column('is_enterprise_install', sa.Boolean(), nullable=False),
    sa.Column('token_type', sa.String(length=32), nullable=True),
    sa.Column('installed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_installations'))
    )
    op.create_index('slack_installations_idx', 'slack_installations', ['client_id', 'enterprise_id', 'team_id', 'user_id', 'installed_at'], unique=False)
    op.create_table('slack_oauth_states',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('state', sa.String(length=200), nullable=False),
    sa.Column('expire_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_oauth_states'))
    )
    op.create_table('analytics_watermarks',
    sa.Column('rolled_up_to', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_analytics_watermarks_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_watermarks')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_analytics_watermarks_account_id_id'))
    )
    op.create_index('uq_analytics_watermarks_account', 'analytics_watermarks', ['account_id'], unique=True)
    op.create_table('companies',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('domain', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint('domain IS NULL OR domain = lower(domain)', name=op.f('ck_companies_domain_lower')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_companies_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_companies_account_id_id'))
    )
    op.create_index('ix_companies_domain', 'companies', ['account_id', 'domain'], unique=False)
    op.create_index('uq_companies_name', 'companies', ['account_id', sa.literal_column('lower(name)')], unique=True)
    op.create_table('outbox',
    sa.Column('dedupe_key', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.Text(), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'sent', 'dead')", name=op.f('ck_outbox_status')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_outbox_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_outbox_account_id_id'))
    )
    op.create_index('ix_outbox_due', 'outbox', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('uq_outbox_dedupe', 'outbox', ['account_id', 'dedupe_key'], unique=True)
    op.create_table('processed_webhooks',
    sa.Column('provider', sa.Text(), nullable=False),
    sa.Column('event_id', sa.Text(), nullable=False),
    sa.Column('event_type', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_processed_webhooks_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processed_webhooks')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_processed_webhooks_account_id_id'))
    )
    op.create_index('uq_processed_webhooks_event', 'processed_webhooks', ['account_id', 'provider', 'event_id'], unique=True)
    op.create_table('users',
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), server_default='', nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'admin', 'organizer', 'sales', 'door')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_users_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_users_account_id_id'))
    )
    op.create_index('uq_users_slack_user', 'users', ['account_id', 'slack_user_id'], unique=True)
    op.create_table('venues',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('timezone', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_venues_capacity')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_venues_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venues')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_venues_account_id_id'))
    )
    op.create_index('uq_venues_name', 'venues', ['account_id', sa.literal_column('lower(name)')], unique=True)
    op.create_table('contacts',
    sa.Column('company_id', sa.UUID(), nullable=True),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('first_name', sa.Text(), nullable=True),
    sa.Column('last_name', sa.Text(), nullable=True),
    sa.Column('company_name', sa.Text(), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('email_consent', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('sms_consent', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merged_into_id', sa.UUID(), nullable=True),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("setweight(to_tsvector('simple', coalesce(first_name, '') || ' ' || coalesce(last_name, '')), 'A') || setweight(to_tsvector('simple', coalesce(email, '')), 'A') || setweight(to_tsvector('simple', coalesce(phone, '')), 'B') || setweight(to_tsvector('simple', coalesce(company_name, '')), 'C')", persisted=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_contacts_email_lower')),
    sa.ForeignKeyConstraint(['account_id', 'company_id'], ['companies.account_id', 'companies.id'], name=op.f('fk_contacts_account_id_company_id_companies')),
    sa.ForeignKeyConstraint(['account_id', 'merged_into_id'], ['contacts.account_id', 'contacts.id'], name=op.f('fk_contacts_account_id_merged_into_id_contacts')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contacts_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_contacts_account_id_id'))
    )
    op.create_index('ix_contacts_company', 'contacts', ['account_id', 'company_id'], unique=False)
    op.create_index('ix_contacts_email_prefix', 'contacts', ['account_id', sa.literal_column('email text_pattern_ops')], unique=False)
    op.create_index('ix_contacts_first_name_prefix', 'contacts', ['account_id', sa.literal_column('lower(first_name) text_pattern_ops')], unique=False)
    op.create_index('ix_contacts_last_name_prefix', 'contacts', ['account_id', sa.literal_column('lower(last_name) text_pattern_ops')], unique=False)
    op.create_index('ix_contacts_search', 'contacts', ['search'], unique=False, postgresql_using='gin')
    op.create_index('ix_contacts_tags', 'contacts', ['tags'], unique=False, postgresql_using='gin')
    op.create_index('uq_contacts_email', 'contacts', ['account_id', 'email'], unique=True)
    op.create_table('digest_subscriptions',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Text(), server_default='both', nullable=False),
    sa.Column('at_local', sa.Time(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("kind IN ('sales', 'checkins', 'both')", name=op.f('ck_digest_subscriptions_kind')),
    sa.ForeignKeyConstraint(['account_id', 'created_by'], ['users.account_id', 'users.id'], name=op.f('fk_digest_subscriptions_account_id_created_by_users')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_digest_subscriptions_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_subscriptions')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_digest_subscriptions_account_id_id'))
    )
    op.create_index('ix_digest_subscriptions_due', 'digest_subscriptions', ['next_run_at'], unique=False, postgresql_where=sa.text('active'))
    op.create_index('uq_digest_subscriptions_channel', 'digest_subscriptions', ['account_id', 'channel_id'], unique=True)
    op.create_table('events',
    sa.Column('venue_id', sa.UUID(), nullable=True),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timezone', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default='draft', nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('sold', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sales_channel', sa.String(length=32), nullable=True),
    sa.Column('created_channel', sa.String(length=32), nullable=True),
    sa.Column('door_status_channel', sa.String(length=32), nullable=True),
    sa.Column('door_status_ts', sa.String(length=32), nullable=True),
    sa.Column('door_status_posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published', 'cancelled')", name=op.f('ck_events_status')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_events_capacity')),
    sa.CheckConstraint('ends_at IS NULL OR ends_at > starts_at', name=op.f('ck_events_ends_after_starts')),
    sa.CheckConstraint('sold >= 0 AND (capacity IS NULL OR sold <= capacity)', name=op.f('ck_events_sold')),
    sa.ForeignKeyConstraint(['account_id', 'created_by'], ['users.account_id', 'users.id'], name=op.f('fk_events_account_id_created_by_users')),
    sa.ForeignKeyConstraint(['account_id', 'venue_id'], ['venues.account_id', 'venues.id'], name=op.f('fk_events_account_id_venue_id_venues')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_events_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_events_account_id_id'))
    )
    op.create_index('ix_events_starts', 'events', ['account_id', 'starts_at'], unique=False)
    op.create_index('uq_events_slug', 'events', ['account_id', 'slug'], unique=True)
    op.create_table('campaigns',
    sa.Column('event_id', sa.UUID(), nullable=True),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('audience', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('template', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default='draft', nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_channel', sa.String(length=32), nullable=True),
    sa.Column('sent_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failed_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('skipped_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_campaigns_channel')),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled', 'failed')", name=op.f('ck_campaigns_status')),
    sa.ForeignKeyConstraint(['account_id', 'created_by'], ['users.account_id', 'users.id'], name=op.f('fk_campaigns_account_id_created_by_users')),
    sa.ForeignKeyConstraint(['account_id', 'event_id'], ['events.account_id', 'events.id'], name=op.f('fk_campaigns_account_id_event_id_events')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_campaigns_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_campaigns_account_id_id'))
    )
    op.create_index('ix_campaigns_due', 'campaigns', ['scheduled_at'], unique=False, postgresql_where=sa.text("status IN ('scheduled', 'sending')"))
    op.create_index('uq_campaigns_slug', 'campaigns', ['account_id', 'slug'], unique=True)
    op.create_table('consent_changes',
    sa.Column('contact_id', sa.UUID(), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_consent_changes_channel')),
    sa.ForeignKeyConstraint(['account_id', 'contact_id'], ['contacts.account_id', 'contacts.id'], name=op.f('fk_consent_changes_account_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id', 'user_id'], ['users.account_id', 'users.id'], name=op.f('fk_consent_changes_account_id_user_id_users')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_consent_changes_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_changes')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_consent_changes_account_id_id'))
    )
    op.create_index('ix_consent_changes_contact', 'consent_changes', ['account_id', 'contact_id', 'created_at'], unique=False)
    op.create_table('contact_threads',
    sa.Column('contact_id', sa.UUID(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('thread_ts', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['account_id', 'contact_id'], ['contacts.account_id', 'contacts.id'], name=op.f('fk_contact_threads_account_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contact_threads_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_threads')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_contact_threads_account_id_id'))
    )
    op.create_index('uq_contact_threads_thread', 'contact_threads', ['account_id', 'channel_id', 'thread_ts'], unique=True)
    op.create_table('digest_runs',
    sa.Column('subscription_id', sa.UUID(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['account_id', 'subscription_id'], ['digest_subscriptions.account_id', 'digest_subscriptions.id'], name=op.f('fk_digest_runs_account_id_subscription_id_digest_subscriptions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_digest_runs_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_runs')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_digest_runs_account_id_id'))
    )
    op.create_index('uq_digest_runs_day', 'digest_runs', ['account_id', 'subscription_id', 'local_date'], unique=True)
    op.create_table('door_tokens',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['account_id', 'created_by'], ['users.account_id', 'users.id'], name=op.f('fk_door_tokens_account_id_created_by_users')),
    sa.ForeignKeyConstraint(['account_id', 'event_id'], ['events.account_id', 'events.id'], name=op.f('fk_door_tokens_account_id_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_door_tokens_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_door_tokens')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_door_tokens_account_id_id'))
    )
    op.create_index('ix_door_tokens_event', 'door_tokens', ['account_id', 'event_id'], unique=False)
    op.create_index('uq_door_tokens_hash', 'door_tokens', ['token_hash'], unique=True)
    op.create_table('event_analytics',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('orders', sa.Integer(), server_default='0', nullable=False),
    sa.Column('tickets_sold', sa.Integer(), server_default='0', nullable=False),
    sa.Column('revenue_cents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('refunds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('refunded_cents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('check_ins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('duplicate_scans', sa.Integer(), server_default='0', nullable=False),
    sa.Column('no_shows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id', 'event_id'], ['events.account_id', 'events.id'], name=op.f('fk_event_analytics_account_id_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_event_analytics_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'event_id', 'day', name=op.f('pk_event_analytics'))
    )
    op.create_index('ix_event_analytics_day', 'event_analytics', ['account_id', 'day'], unique=False)
    op.create_table('interactions',
    sa.Column('contact_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('permalink', sa.Text(), nullable=True),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('source_key', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("kind IN ('note', 'call', 'meeting', 'email', 'slack', 'purchase', 'refund', 'checkin', 'campaign')", name=op.f('ck_interactions_kind')),
    sa.ForeignKeyConstraint(['account_id', 'contact_id'], ['contacts.account_id', 'contacts.id'], name=op.f('fk_interactions_account_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id', 'user_id'], ['users.account_id', 'users.id'], name=op.f('fk_interactions_account_id_user_id_users')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_interactions_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_interactions_account_id_id'))
    )
    op.create_index('ix_interactions_timeline', 'interactions', ['account_id', 'contact_id', sa.literal_column('occurred_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('uq_interactions_source', 'interactions', ['account_id', 'contact_id', 'source_key'], unique=True, postgresql_where=sa.text('source_key IS NOT NULL'))
    op.create_table('orders',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('contact_id', sa.UUID(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Text(), server_default='pending', nullable=False),
    sa.Column('kind', sa.Text(), server_default='sale', nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('payment_method', sa.Text(), nullable=True),
    sa.Column('checkout_session_id', sa.Text(), nullable=True),
    sa.Column('checkout_url', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('slack_channel', sa.String(length=32), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'paid', 'cancelled', 'refunded', 'expired')", name=op.f('ck_orders_status')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_orders_quantity')),
    sa.CheckConstraint('total_cents >= 0', name=op.f('ck_orders_total')),
    sa.ForeignKeyConstraint(['account_id', 'contact_id'], ['contacts.account_id', 'contacts.id'], name=op.f('fk_orders_account_id_contact_id_contacts')),
    sa.ForeignKeyConstraint(['account_id', 'created_by'], ['users.account_id', 'users.id'], name=op.f('fk_orders_account_id_created_by_users')),
    sa.ForeignKeyConstraint(['account_id', 'event_id'], ['events.account_id', 'events.id'], name=op.f('fk_orders_account_id_event_id_events')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_orders_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_orders_account_id_id'))
    )
    op.create_index('ix_orders_contact', 'orders', ['account_id', 'contact_id', 'created_at'], unique=False)
    op.create_index('ix_orders_event', 'orders', ['account_id', 'event_id', 'created_at'], unique=False)
    op.create_index('ix_orders_hold_expiry', 'orders', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_orders_paid', 'orders', ['account_id', 'paid_at'], unique=False)
    op.create_index('uq_orders_checkout', 'orders', ['checkout_session_id'], unique=True)
    op.create_index('uq_orders_reference', 'orders', ['account_id', 'reference'], unique=True)
    op.create_table('products',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('sold', sa.Integer(), server_default='0', nullable=False),
    sa.Column('max_per_order', sa.Integer(), server_default='10', nullable=False),
    sa.Column('sales_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sales_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_products_currency')),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_products_capacity')),
    sa.CheckConstraint('max_per_order > 0', name=op.f('ck_products_max_per_order')),
    sa.CheckConstraint('price_cents >= 0', name=op.f('ck_products_price')),
    sa.CheckConstraint('sales_start IS NULL OR sales_end IS NULL OR sales_end > sales_start', name=op.f('ck_products_window')),
    sa.CheckConstraint('sold >= 0 AND (capacity IS NULL OR sold <= capacity)', name=op.f('ck_products_sold')),
    sa.ForeignKeyConstraint(['account_id', 'event_id'], ['events.account_id', 'events.id'], name=op.f('fk_products_account_id_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_products_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_products_account_id_id'))
    )
    op.create_index('uq_products_slug', 'products', ['account_id', 'event_id', 'slug'], unique=True)
    op.create_table('attendees',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('contact_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default='active', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("status IN ('active', 'cancelled', 'refunded')", name=op.f('ck_attendees_status')),
    sa.ForeignKeyConstraint(['account_id', 'contact_id'], ['contacts.account_id', 'contacts.id'], name=op.f('fk_attendees_account_id_contact_id_contacts')),
    sa.ForeignKeyConstraint(['account_id', 'event_id'], ['events.account_id', 'events.id'], name=op.f('fk_attendees_account_id_event_id_events')),
    sa.ForeignKeyConstraint(['account_id', 'order_id'], ['orders.account_id', 'orders.id'], name=op.f('fk_attendees_account_id_order_id_orders')),
    sa.ForeignKeyConstraint(['account_id', 'product_id'], ['products.account_id', 'products.id'], name=op.f('fk_attendees_account_id_product_id_products')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_attendees_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendees')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_attendees_account_id_id'))
    )
    op.create_index('ix_attendees_contact', 'attendees', ['account_id', 'contact_id'], unique=False)
    op.create_index('ix_attendees_event', 'attendees', ['account_id', 'event_id'], unique=False)
    op.create_index('ix_attendees_event_email', 'attendees', ['account_id', 'event_id', 'email'], unique=False)
    op.create_index('ix_attendees_event_name', 'attendees', ['account_id', 'event_id', sa.literal_column('lower(name) text_pattern_ops')], unique=False)
    op.create_index('ix_attendees_order', 'attendees', ['account_id', 'order_id'], unique=False)
    op.create_table('campaign_recipients',
    sa.Column('campaign_id', sa.UUID(), nullable=False),
    sa.Column('contact_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Text(), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'skipped')", name=op.f('ck_campaign_recipients_status')),
    sa.ForeignKeyConstraint(['account_id', 'campaign_id'], ['campaigns.account_id', 'campaigns.id'], name=op.f('fk_campaign_recipients_account_id_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id', 'contact_id'], ['contacts.account_id', 'contacts.id'], name=op.f('fk_campaign_recipients_account_id_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_campaign_recipients_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_recipients')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_campaign_recipients_account_id_id'))
    )
    op.create_index('ix_campaign_recipients_todo', 'campaign_recipients', ['account_id', 'campaign_id', 'status'], unique=False)
    op.create_index('uq_campaign_recipients_contact', 'campaign_recipients', ['account_id', 'campaign_id', 'contact_id'], unique=True)
    op.create_table('order_lines',
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_quantity')),
    sa.CheckConstraint('unit_price_cents >= 0', name=op.f('ck_order_lines_unit_price')),
    sa.ForeignKeyConstraint(['account_id', 'order_id'], ['orders.account_id', 'orders.id'], name=op.f('fk_order_lines_account_id_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id', 'product_id'], ['products.account_id', 'products.id'], name=op.f('fk_order_lines_account_id_product_id_products')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_order_lines_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_order_lines_account_id_id'))
    )
    op.create_index('ix_order_lines_order', 'order_lines', ['account_id', 'order_id'], unique=False)
    op.create_index('ix_order_lines_product', 'order_lines', ['account_id', 'product_id'], unique=False)
    op.create_table('payments',
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('provider', sa.Text(), nullable=False),
    sa.Column('provider_ref', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), server_default='succeeded', nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('refunded_cents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("status IN ('succeeded', 'partially_refunded', 'refunded')", name=op.f('ck_payments_status')),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_payments_amount')),
    sa.CheckConstraint('refunded_cents >= 0 AND refunded_cents <= amount_cents', name=op.f('ck_payments_refunded')),
    sa.ForeignKeyConstraint(['account_id', 'order_id'], ['orders.account_id', 'orders.id'], name=op.f('fk_payments_account_id_order_id_orders')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_payments_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_payments_account_id_id'))
    )
    op.create_index('ix_payments_order', 'payments', ['account_id', 'order_id'], unique=False)
    op.create_index('uq_payments_provider_ref', 'payments', ['account_id', 'provider', 'provider_ref'], unique=True, postgresql_where=sa.text('provider_ref IS NOT NULL'))
    op.create_table('tickets',
    sa.Column('attendee_id', sa.UUID(), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Text(), server_default='valid', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("status IN ('valid', 'void')", name=op.f('ck_tickets_status')),
    sa.ForeignKeyConstraint(['account_id', 'attendee_id'], ['attendees.account_id', 'attendees.id'], name=op.f('fk_tickets_account_id_attendee_id_attendees')),
    sa.ForeignKeyConstraint(['account_id', 'event_id'], ['events.account_id', 'events.id'], name=op.f('fk_tickets_account_id_event_id_events')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_tickets_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_tickets_account_id_id'))
    )
    op.create_index('ix_tickets_attendee', 'tickets', ['account_id', 'attendee_id'], unique=False)
    op.create_index('ix_tickets_event', 'tickets', ['account_id', 'event_id'], unique=False)
    op.create_index('uq_tickets_code', 'tickets', ['code'], unique=True)
    op.create_table('check_ins',
    sa.Column('event_id', sa.UUID(), nullable=True),
    sa.Column('ticket_id', sa.UUID(), nullable=True),
    sa.Column('attendee_id', sa.UUID(), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('door_token_id', sa.UUID(), nullable=True),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('nonce', sa.String(length=128), nullable=True),
    sa.Column('code', sa.String(length=128), nullable=True),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("result IN ('admitted', 'already_admitted', 'unknown', 'wrong_event', 'not_valid', 'conflict')", name=op.f('ck_check_ins_result')),
    sa.ForeignKeyConstraint(['account_id', 'attendee_id'], ['attendees.account_id', 'attendees.id'], name=op.f('fk_check_ins_account_id_attendee_id_attendees')),
    sa.ForeignKeyConstraint(['account_id', 'door_token_id'], ['door_tokens.account_id', 'door_tokens.id'], name=op.f('fk_check_ins_account_id_door_token_id_door_tokens')),
    sa.ForeignKeyConstraint(['account_id', 'event_id'], ['events.account_id', 'events.id'], name=op.f('fk_check_ins_account_id_event_id_events')),
    sa.ForeignKeyConstraint(['account_id', 'ticket_id'], ['tickets.account_id', 'tickets.id'], name=op.f('fk_check_ins_account_id_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['account_id', 'user_id'], ['users.account_id', 'users.id'], name=op.f('fk_check_ins_account_id_user_id_users')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_check_ins_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins')),
    sa.UniqueConstraint('account_id', 'id', name=op.f('uq_check_ins_account_id_id'))
    )
    op.create_index('ix_check_ins_event_time', 'check_ins', ['account_id', 'event_id', 'created_at'], unique=False)
    op.create_index('ix_check_ins_ticket', 'check_ins', ['account_id', 'ticket_id'], unique=False)
    op.create_index('uq_check_ins_admitted', 'check_ins', ['ticket_id'], unique=True, postgresql_where=sa.text("result = 'admitted'"))
    op.create_index('uq_check_ins_nonce', 'check_ins', ['account_id', 'nonce'], unique=True, postgresql_where=sa.text('nonce IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('uq_check_ins_nonce', table_name='check_ins', postgresql_where=sa.text('nonce IS NOT NULL'))
    op.drop_index('uq_check_ins_admitted', table_name='check_ins', postgresql_where=sa.text("result = 'admitted'"))
    op.drop_index('ix_check_ins_ticket', table_name='check_ins')
    op.drop_index('ix_check_ins_event_time', table_name='check_ins')
    op.drop_table('check_ins')
    op.drop_index('uq_tickets_code', table_name='tickets')
    op.drop_index('ix_tickets_event', table_name='tickets')
    op.drop_index('ix_tickets_attendee', table_name='tickets')
    op.drop_table('tickets')
    op.drop_index('uq_payments_provider_ref', table_name='payments', postgresql_where=sa.text('provider_ref IS NOT NULL'))
    op.drop_index('ix_payments_order', table_name='payments')
    op.drop_table('payments')
    op.drop_index('ix_order_lines_product', table_name='order_lines')
    op.drop_index('ix_order_lines_order', table_name='order_lines')
    op.drop_table('order_lines')
    op.drop_index('uq_campaign_recipients_contact', table_name='campaign_recipients')
    op.drop_index('ix_campaign_recipients_todo', table_name='campaign_recipients')
    op.drop_table('campaign_recipients')
    op.drop_index('ix_attendees_order', table_name='attendees')
    op.drop_index('ix_attendees_event_name', table_name='attendees')
    op.drop_index('ix_attendees_event_email', table_name='attendees')
    op.drop_index('ix_attendees_event', table_name='attendees')
    op.drop_index('ix_attendees_contact', table_name='attendees')
    op.drop_table('attendees')
    op.drop_index('uq_products_slug', table_name='products')
    op.drop_table('products')
    op.drop_index('uq_orders_reference', table_name='orders')
    op.drop_index('uq_orders_checkout', table_name='orders')
    op.drop_index('ix_orders_paid', table_name='orders')
    op.drop_index('ix_orders_hold_expiry', table_name='orders', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_orders_event', table_name='orders')
    op.drop_index('ix_orders_contact', table_name='orders')
    op.drop_table('orders')
    op.drop_index('uq_interactions_source', table_name='interactions', postgresql_where=sa.text('source_key IS NOT NULL'))
    op.drop_index('ix_interactions_timeline', table_name='interactions')
    op.drop_table('interactions')
    op.drop_index('ix_event_analytics_day', table_name='event_analytics')
    op.drop_table('event_analytics')
    op.drop_index('uq_door_tokens_hash', table_name='door_tokens')
    op.drop_index('ix_door_tokens_event', table_name='door_tokens')
    op.drop_table('door_tokens')
    op.drop_index('uq_digest_runs_day', table_name='digest_runs')
    op.drop_table('digest_runs')
    op.drop_index('uq_contact_threads_thread', table_name='contact_threads')
    op.drop_table('contact_threads')
    op.drop_index('ix_consent_changes_contact', table_name='consent_changes')
    op.drop_table('consent_changes')
    op.drop_index('uq_campaigns_slug', table_name='campaigns')
    op.drop_index('ix_campaigns_due', table_name='campaigns', postgresql_where=sa.text("status IN ('scheduled', 'sending')"))
    op.drop_table('campaigns')
    op.drop_index('uq_events_slug', table_name='events')
    op.drop_index('ix_events_starts', table_name='events')
    op.drop_table('events')
    op.drop_index('uq_digest_subscriptions_channel', table_name='digest_subscriptions')
    op.drop_index('ix_digest_subscriptions_due', table_name='digest_subscriptions', postgresql_where=sa.text('active'))
    op.drop_table('digest_subscriptions')
    op.drop_index('uq_contacts_email', table_name='contacts')
    op.drop_index('ix_contacts_tags', table_name='contacts', postgresql_using='gin')
    op.drop_index('ix_contacts_search', table_name='contacts', postgresql_using='gin')
    op.drop_index('ix_contacts_last_name_prefix', table_name='contacts')
    op.drop_index('ix_contacts_first_name_prefix', table_name='contacts')
    op.drop_index('ix_contacts_email_prefix', table_name='contacts')
    op.drop_index('ix_contacts_company', table_name='contacts')
    op.drop_table('contacts')
    op.drop_index('uq_venues_name', table_name='venues')
    op.drop_table('venues')
    op.drop_index('uq_users_slack_user', table_name='users')
    op.drop_table('users')
    op.drop_index('uq_processed_webhooks_event', table_name='processed_webhooks')
    op.drop_table('processed_webhooks')
    op.drop_index('uq_outbox_dedupe', table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('outbox')
    op.drop_index('uq_companies_name', table_name='companies')
    op.drop_index('ix_companies_domain', table_name='companies')
    op.drop_table('companies')
    op.drop_index('uq_analytics_watermarks_account', table_name='analytics_watermarks')
    op.drop_table('analytics_watermarks')
    op.drop_table('slack_oauth_states')
    op.drop_index('slack_installations_idx', table_name='slack_installations')
    op.drop_table('slack_installations')
    op.drop_table('slack_deliveries')
    op.drop_index('slack_bots_idx', table_name='slack_bots')
    op.drop_table('slack_bots')
    op.drop_index('uq_accounts_slack_workspace', table_name='accounts')
    op.drop_table('accounts')
