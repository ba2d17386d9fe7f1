"""Stripe's webhook bodies are read in the gateway alone: core acts on typed payment events."""

import ast
import uuid
from pathlib import Path

import pytest

from core.gateways.stripe_gateway import read_event
from core.ports import (
    ChargeRefunded,
    CheckoutCompleted,
    CheckoutExpired,
    CheckoutPaymentFailed,
    OrderRef,
    Unhandled,
    Unreadable,
)
from tests.support.stripe_standin import event as stripe_event

CORE = Path(__file__).resolve().parents[2] / "core"
# Keys only a Stripe object has; a subscript or .get() of one outside core/gateways reads Stripe's shapes.
STRIPE_KEYS = {
    "data", "object", "amount_refunded", "amount_total", "payment_intent", "payment_status", "metadata",
}

ACCOUNT, ORDER = uuid.uuid4(), uuid.uuid4()
METADATA = {"account_id": str(ACCOUNT), "order_id": str(ORDER)}


def provider_reads(source: str) -> list[str]:
    """The Stripe keys a module's code subscripts or .get()s, in source order."""
    reads = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and node.args and isinstance(node.args[0], ast.Constant)):
            key = node.args[0].value
        else:
            continue
        if key in STRIPE_KEYS:
            reads.append((node.lineno, node.col_offset, key))
    return [key for _, _, key in sorted(reads)]


def test_core_outside_the_gateways_never_indexes_a_payment_provider_dict():
    modules = [path for path in CORE.rglob("*.py") if "gateways" not in path.relative_to(CORE).parts]
    assert len(modules) > 40 and CORE / "sales" / "payments.py" in modules
    found = {str(path.relative_to(CORE)): provider_reads(path.read_text()) for path in modules}
    assert {name: keys for name, keys in found.items() if keys} == {}


def test_the_scan_sees_subscripts_and_gets_of_stripe_keys():
    source = 'def f(event):\n    charge = event["data"]["object"]\n    return charge.get("amount_refunded"), charge["id"]\n'
    assert provider_reads(source) == ["data", "object", "amount_refunded"]


def test_a_paid_checkout_is_read_into_its_facts():
    body = stripe_event(
        "checkout.session.completed",
        {"id": "cs_1", "payment_status": "paid", "payment_intent": "pi_1", "amount_total": 5000, "currency": "eur",
         "metadata": METADATA},
        event_id="evt_1", account="acct_1",
    )
    assert read_event(body) == CheckoutCompleted(
        id="evt_1", type="checkout.session.completed", connected_account="acct_1", body=body, session_id="cs_1",
        order=OrderRef(ACCOUNT, ORDER), paid=True, payment_intent="pi_1", amount_total=5000, currency="eur",
    )


def test_a_delayed_payment_is_not_paid_until_it_succeeds():
    pending = stripe_event("checkout.session.completed", {"id": "cs_2", "payment_status": "unpaid", "metadata": METADATA})
    succeeded = stripe_event("checkout.session.async_payment_succeeded",
                             {"id": "cs_2", "payment_status": "paid", "metadata": METADATA})
    assert read_event(pending).paid is False and read_event(pending).amount_total == 0
    assert read_event(succeeded).paid is True and read_event(succeeded).type == "checkout.session.async_payment_succeeded"


def test_ended_checkouts_and_refunds_are_their_own_events():
    expired = read_event(stripe_event("checkout.session.expired", {"id": "cs_3", "metadata": METADATA}))
    failed = read_event(stripe_event("checkout.session.async_payment_failed", {"id": "cs_4", "metadata": {}}))
    refunded = read_event(stripe_event("charge.refunded", {
        "id": "ch_1", "payment_intent": "pi_1", "amount": 5000, "amount_refunded": 1500, "currency": "eur", "metadata": {},
    }))
    assert isinstance(expired, CheckoutExpired) and (expired.session_id, expired.order) == ("cs_3", OrderRef(ACCOUNT, ORDER))
    assert isinstance(failed, CheckoutPaymentFailed) and failed.order == OrderRef(None, None)
    assert isinstance(refunded, ChargeRefunded)
    assert (refunded.payment_intent, refunded.amount, refunded.amount_refunded, refunded.order) == (
        "pi_1", 5000, 1500, OrderRef(None, None))


@pytest.mark.parametrize("body", [None, [1, 2], "text", {}, {"type": 5}, stripe_event("customer.created", {"id": "c"})])
def test_bodies_that_are_no_handled_event_are_unhandled(body):
    assert isinstance(read_event(body), Unhandled)


@pytest.mark.parametrize("body", [
    stripe_event("checkout.session.completed", {"id": "cs_1"}) | {"data": {"object": [1, 2]}},
    stripe_event("checkout.session.completed", {"id": "cs_2", "metadata": "account_id=1"}),
    stripe_event("checkout.session.completed", {"id": "cs_3", "amount_total": "lots"}),
    stripe_event("checkout.session.completed", {"id": "cs_4", "amount_total": True}),
    stripe_event("charge.refunded", {"id": "ch_1", "payment_intent": {"id": "pi_1"}}),
    stripe_event("checkout.session.completed", {"id": "cs_5", "metadata": {"order_id": 5}}),
    stripe_event("checkout.session.completed", {"id": "cs_6"}) | {"account": 7},
    {"type": "checkout.session.completed"},
])
def test_handled_types_of_an_odd_shape_are_unreadable(body):
    event = read_event(body)
    assert isinstance(event, Unreadable) and event.type == body["type"]


def test_metadata_that_names_no_uuid_names_no_order():
    body = stripe_event("checkout.session.expired", {"id": "cs_1", "metadata": {"account_id": "1", "order_id": "x"}})
    assert read_event(body).order == OrderRef(None, None)
