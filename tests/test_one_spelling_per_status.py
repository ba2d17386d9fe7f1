"""Each stored status has one spelling, its enum member in db/enums.py: a scan of core's syntax keeps literals out.

A literal is flagged where it stands for a stored value: compared with, assigned or passed as a column or
argument named like one (`x.status == "paid"`, `status="sent"`, `x.status.in_(("paid", ...))`,
`{"status": "sent"}`), anywhere in the expression given to it (`status="paid" if settled else "pending"`).
"""

import ast
from enum import StrEnum
from pathlib import Path

from db import enums

CORE = Path(__file__).resolve().parent.parent / "core"


def _values(*kinds: type[StrEnum]) -> frozenset[str]:
    return frozenset(member.value for kind in kinds for member in kind)


_STATUSES = [kind for name, kind in vars(enums).items() if isinstance(kind, type) and issubclass(kind, StrEnum)
             and name.endswith("Status")]
# A name ending in one of these holds a value of these enums.
STORED = {
    "status": _values(*_STATUSES),
    "result": _values(enums.CheckinResult),
    "kind": _values(enums.DigestKind),
    "channel": _values(enums.Channel),
}  # not "source": a check-in's source (slack, api, scan) has no enum, and shares "slack" with OrderSource


def _stored(node: ast.AST | None) -> frozenset[str]:
    """The values a name, attribute, keyword or key may hold when it names a stored column."""
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else (
        node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None)
    if name is None:
        return frozenset()
    return next((values for suffix, values in STORED.items() if name.lower().endswith(suffix)), frozenset())


def _literals(node: ast.AST, values: frozenset[str]):
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str) and inner.value in values:
            yield inner


def _subject(node: ast.AST) -> ast.AST:
    """`x.status` for `x.status`, `x.status.in_`, `x.status.is_not` and the like."""
    while isinstance(node, ast.Attribute) and _stored(node) == frozenset() and isinstance(node.value, ast.Attribute):
        node = node.value
    return node


def literal_statuses(source: str) -> list[tuple[int, str]]:
    """(line, literal) of each literal status spelled out in a stored-value position."""
    found = []

    def flag(target: ast.AST | None, value: ast.AST | None) -> None:
        if value is not None:
            found.extend((literal.lineno, literal.value) for literal in _literals(value, _stored(target)))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for side in sides:
                for other in sides:
                    if other is not side:
                        flag(side, other)
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute):
                for argument in node.args:
                    flag(_subject(function.value), argument)
            for keyword in node.keywords:
                flag(ast.Name(keyword.arg or ""), keyword.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                flag(key, value)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for one, value in zip(target.elts, node.value.elts):
                        flag(one, value)
                else:
                    flag(target, node.value)
    return sorted(set(found))


def test_no_status_in_core_is_spelled_as_a_literal():
    found = [f"{path.relative_to(CORE.parent)}:{line}: {value!r}"
             for path in sorted(CORE.rglob("*.py")) for line, value in literal_statuses(path.read_text())]
    assert found == []


def test_the_scan_finds_a_literal_status_wherever_a_stored_value_goes():
    for source in [
        'x = order.status == "paid"',
        'x = "paid" != order.status',
        'x = row.order_status in ("cancelled", "refunded")',
        'q = select(Order).where(Order.status.in_(("paid", "pending")))',
        'q = update(Order).values(status="paid" if settled else "pending")',
        'q = update(Payment).values(status=case((refunded > 0, "partially_refunded"), else_="succeeded"))',
        'event.status = "published"',
        'campaign.status, campaign.scheduled_at = "scheduled", when',
        'status = "cancelled" if cancelled else row.status',
        'q = insert(Account).on_conflict_do_update(set_={"status": "active"})',
        'x = CheckIn.result == "admitted"',
        'x = subscription.kind == "both"',
    ]:
        assert literal_statuses(source), source


def test_the_scan_leaves_other_strings_alone():
    for source in [
        'x = order.status == OrderStatus.PAID',
        'x = page.state == "ended"',  # a page's state is worked out, not stored
        'x = interaction.kind == "email"',  # an interaction kind: not a digest kind
        'log.info("order %s is paid", order.status)',
        'x = {"paid": 1}',
    ]:
        assert literal_statuses(source) == [], source
