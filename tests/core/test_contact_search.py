"""Contact search: ranking exact > prefix > words, and every tier on its index for the app role."""

import re
import secrets

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from core.accounts import accounts
from core.crm import contacts
from core.crm.search import prefix_range, search_contacts, search_statement, search_values, words_query
from core.services import Services
from tests.conftest import test_settings as make_settings

PEOPLE = [
    ("ann@acme.io", "Zed Quill", None),          # exact email for "ann@acme.io"
    ("ann.b@other.io", "Yara Pike", None),       # email prefix "ann"
    ("x1@example.com", "Annika Berg", None),     # first-name prefix "ann"
    ("x2@example.com", "Bo Annandale", None),    # last-name prefix "ann"
    ("x3@example.com", "Cy Moss", "Ann Arbor Events"),  # a word of the company only
    ("x4@example.com", "Dee Ray", None),         # no match
]


@pytest.fixture
async def crm(services, make_tenant):
    tenant = await make_tenant()
    for email, name, company in PEOPLE:
        await contacts.add_contact(services, tenant, email=email, name=name, company=company)
    return tenant


async def test_exact_email_then_prefixes_then_words(services, crm):
    async with services.db.tenant(crm.account_id) as session:
        hits = await search_contacts(session, "  ANN@acme.io ")
        assert [h.email for h in hits][:1] == ["ann@acme.io"] and hits[0].tier == 0
        hits = await search_contacts(session, "ann")
    assert [(h.email, h.tier) for h in hits] == [
        ("ann.b@other.io", 1), ("ann@acme.io", 1), ("x1@example.com", 1), ("x2@example.com", 1), ("x3@example.com", 2),
    ]


async def test_several_words_match_across_name_and_company(services, crm):
    async with services.db.tenant(crm.account_id) as session:
        hits = await search_contacts(session, "cy arbor")
        assert [h.email for h in hits] == ["x3@example.com"]
        assert await search_contacts(session, "nobody") == []


async def test_merged_contacts_are_not_found(services, crm):
    await contacts.merge_contacts(services, crm, duplicate="x1@example.com", survivor="x2@example.com")
    async with services.db.tenant(crm.account_id) as session:
        hits = await search_contacts(session, "annika")
    assert hits == []


async def test_search_stays_inside_the_account(services, crm, make_tenant):
    other = await make_tenant()
    async with services.db.tenant(other.account_id) as session:
        assert await search_contacts(session, "ann") == []


async def test_a_prefix_ending_in_the_last_code_point_has_no_upper_bound_and_still_matches(services, make_tenant):
    tenant = await make_tenant()
    await contacts.add_contact(services, tenant, email="edge@example.com", name="Zo\U0010ffffa Edge")
    async with services.db.tenant(tenant.account_id) as session:
        hits = await search_contacts(session, "zo\U0010ffff")
        assert [(h.email, h.tier) for h in hits] == [("edge@example.com", 1)]
        assert [(h.email, h.tier) for h in await search_contacts(session, "edge")] == [("edge@example.com", 1)]


def test_prefix_range_bounds_exactly_the_strings_with_the_prefix():
    low, high = prefix_range("ann")
    assert (low, high) == ("ann", "ano")
    assert words_query("Ann  O'Neil x") == "'ann':* & 'o' & 'neil':* & 'x'"


async def _known():
    raise AssertionError("the installer exists already")


@pytest.fixture(scope="module")
async def big_crm(db, owner_engine):
    """An account with thousands of contacts and fresh statistics, so plans are those of real use."""
    services = Services(db=db, settings=make_settings())
    team = "T" + secrets.token_hex(5).upper()
    workspace = await accounts.install_workspace(services, team_id=team, enterprise_id=None, name=team, installer="U" + team)
    tenant = await accounts.acting_user(services, workspace, slack_user_id="U" + team, load_profile=_known)
    for email, name, company in PEOPLE:
        await contacts.add_contact(services, tenant, email=email, name=name, company=company)
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(text(
            "INSERT INTO contacts (account_id, email, first_name, last_name, company_name)"
            " SELECT :account, 'filler' || g || '@example.net', 'First' || g, 'Last' || g, 'Company ' || (g % 97)"
            " FROM generate_series(1, 20000) g"
        ), {"account": tenant.account_id})
    async with owner_engine.begin() as connection:
        await connection.execute(text("ANALYZE contacts"))
    return tenant


def _sql(statement) -> str:
    return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def _search_sql(needle: str) -> str:
    return _sql(search_statement().params(search_values(needle)))


async def test_the_exact_tier_uses_the_email_index_through_the_barrier_view(services, big_crm):
    async with services.db.tenant(big_crm.account_id) as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join((await session.execute(text("EXPLAIN " + _search_sql("ann@acme.io")))).scalars())
    assert "uq_contacts_email" in plan and "Seq Scan" not in plan, plan


def _pages(plan: str) -> int:
    """Shared buffers an EXPLAIN (ANALYZE, BUFFERS) says the statement touched, the functions' own reads included."""
    touched = re.search(r"Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?", plan)
    return sum(int(n) for n in touched.groups() if n) if touched else 0


async def _analyzed(services, tenant, needle: str) -> str:
    explain = text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + _search_sql(needle))
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(explain)  # a fresh connection's first call also reads the catalog: not the search
        return "\n".join((await session.execute(explain)).scalars())


def _pages_of(plan: str, node: str) -> list[int]:
    """The shared buffers each plan node on `node` touched (the line after it says)."""
    lines = plan.splitlines()
    return [_pages(lines[i + 1]) for i, line in enumerate(lines) if node in line]


@pytest.mark.parametrize("needle", ["ann", "ann@acme.io"])
async def test_each_prefix_tier_reads_a_few_pages_not_the_accounts_contacts(services, big_crm, needle):
    # 20,000 contacts fill hundreds of pages; an index range touches a handful. "ann" finds four
    # contacts by prefix, so the words tier runs too. (It plans with its query's value, like a
    # statement of its own: the GIN index, or the account's index when the planner judges the
    # account small, as it does here.)
    plan = await _analyzed(services, big_crm, needle)
    prefix_pages = _pages_of(plan, "Function Scan on contact_search_prefix")
    assert len(prefix_pages) == 3 and all(0 < pages < 60 for pages in prefix_pages), plan
    assert "never executed" not in plan, plan


async def test_a_prefix_that_fills_the_page_never_runs_the_full_text_search(services, big_crm):
    plan = await _analyzed(services, big_crm, "first1")
    words = next(line for line in plan.splitlines() if "contact_search_words" in line)
    assert "never executed" in words, plan
    async with services.db.tenant(big_crm.account_id) as session:
        hits = await search_contacts(session, "first1")
    assert len(hits) == 20 and {h.tier for h in hits} == {1}


async def test_without_the_view_rls_keeps_a_name_prefix_off_its_index(services, big_crm):
    """Why 0004 exists: lower() and LIKE are not leakproof, so RLS blocks the index on the table."""
    async with services.db.tenant(big_crm.account_id) as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join((await session.execute(text(
            "EXPLAIN SELECT id FROM contacts WHERE lower(first_name) LIKE 'ann%'"
        ))).scalars())
    assert "ix_contacts_first_name_prefix" not in plan
