"""The cheap constructors of the hot paths give exactly what the frozen dataclasses give."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest

from consentmail.policy.types import (
    ConsentSnapshot,
    Decision,
    Mode,
    PurposeState,
    new_decision,
    new_purpose_state,
    new_snapshot,
)

AT = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
STATE = PurposeState(True, 7, AT, False)
CASES: list[tuple[type, Any, tuple[Any, ...]]] = [
    (Decision, new_decision, (True, Mode.PERSONAL, Mode.AGGREGATE, "consent:7", "IT-R1-consent",
                              "Agreed.", "it", False, True, False)),
    (PurposeState, new_purpose_state, (True, 7, AT, False)),
    (ConsentSnapshot, new_snapshot, (STATE, STATE, PurposeState(False), True, AT, None)),
]


@pytest.mark.parametrize(("cls", "new", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_fast_constructor_builds_a_real_frozen_instance(
    cls: type, new: Any, args: tuple[Any, ...]
) -> None:
    built, fast = cls(*args), new(*args)
    assert type(fast) is cls
    assert fast == built and hash(fast) == hash(built) and repr(fast) == repr(built)
    first = {dataclasses.fields(cls)[0].name: False}
    assert dataclasses.replace(fast, **first) == dataclasses.replace(built, **first)
    assert pickle.loads(pickle.dumps(fast)) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fast, *first.popitem())
    assert not hasattr(fast, "__dict__")


def test_defaults_are_those_of_the_dataclass() -> None:
    assert new_purpose_state(False) == PurposeState(False)
    assert new_snapshot() == ConsentSnapshot()
