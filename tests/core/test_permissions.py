"""Who may do what: one table (`NEEDS`) gives each action its least role, and `require` holds every caller to it."""

import uuid

import pytest

from core.accounts.permissions import NEEDS, Action, require
from core.context import ROLE_RANK, Role, TenantContext
from core.errors import Forbidden


def _user(role: Role) -> TenantContext:
    return TenantContext(account_id=uuid.uuid4(), user_id=uuid.uuid4(), role=role)


def test_every_action_needs_exactly_one_role():
    assert set(NEEDS) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_the_least_role_and_every_higher_one_may_and_every_lower_one_is_refused(action):
    least = NEEDS[action]
    for role in Role:
        if ROLE_RANK[role] >= ROLE_RANK[least]:
            require(_user(role), action)
        else:
            with pytest.raises(Forbidden) as refused:
                require(_user(role), action)
            assert (refused.value.needs, refused.value.action) == (least, action)


def test_an_action_named_by_its_words_is_the_same_action():
    with pytest.raises(Forbidden) as refused:
        require(_user(Role.DOOR), "export orders")
    assert refused.value.action is Action.EXPORT_ORDERS and refused.value.needs is Role.SALES
