"""Plain values the policy engine takes and returns. No I/O here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, make_dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


class Category(StrEnum):
    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"
    SECURITY = "security"
    MANDATORY = "mandatory"


class Measure(StrEnum):
    """What the campaign author asks to measure."""

    NONE = "none"
    AGGREGATE = "aggregate"
    INDIVIDUAL = "individual"


class Mode(StrEnum):
    """What a single recipient's message actually carries."""

    NONE = "none"
    AGGREGATE = "aggregate"
    PERSONAL = "personal"


class Purpose(StrEnum):
    NEWSLETTER = "newsletter"
    TRACKING = "tracking"
    PROFILING = "profiling"


@dataclass(frozen=True, slots=True)
class PurposeState:
    """Derived state of one purpose: the latest ledger event decides."""

    granted: bool
    event_id: int | None = None
    at: datetime | None = None
    # An objection (R11 legacy regime, Art. 21) rather than a plain refusal.
    objected: bool = False


NO_ANSWER = PurposeState(granted=False)


@dataclass(frozen=True, slots=True)
class ConsentSnapshot:
    """A recipient's consent at one instant, as the ledger derives it."""

    newsletter: PurposeState = NO_ANSWER
    tracking: PurposeState = NO_ANSWER
    profiling: PurposeState = NO_ANSWER
    subscribed: bool = True  # on the list being sent to (not unsubscribed, not bounced)
    collected_at: datetime | None = None  # when the address was first collected (R11)
    # When the recipient was told about tracking with a simple way to object (R11 legacy lists).
    legacy_informed_at: datetime | None = None
    # When the recipient was first asked for tracking consent by a re-permission email (R10),
    # which says that silence is no: after it, silence is a refusal, never a non-objection (R11).
    tracking_requested_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Expiry:
    """The workspace's consent expiry per purpose, in days (None: a grant never lapses).

    A grant older than its purpose's limit is no basis when a decision is made, even before
    `consentmail consent expire` has written its `expire` event: the purpose then reads exactly
    as it will after that event (no longer granted, the grant's event on record).
    """

    newsletter: int | None = None
    tracking: int | None = None
    profiling: int | None = None

    def apply(self, snapshot: ConsentSnapshot, at: datetime) -> ConsentSnapshot:
        """`snapshot` with every grant that has lapsed by `at` read as expired."""
        now = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        states = [
            _lapsed(snapshot.newsletter, self.newsletter, now),
            _lapsed(snapshot.tracking, self.tracking, now),
            _lapsed(snapshot.profiling, self.profiling, now),
        ]
        if states == [snapshot.newsletter, snapshot.tracking, snapshot.profiling]:
            return snapshot
        return replace(snapshot, newsletter=states[0], tracking=states[1], profiling=states[2])


def _lapsed(state: PurposeState, days: int | None, now: datetime) -> PurposeState:
    """The state, or the expiry it reads as once the grant is more than `days` old at `now`."""
    if days is None or not state.granted or state.at is None:
        return state
    granted_at = state.at.replace(tzinfo=UTC) if state.at.tzinfo is None else state.at
    if granted_at < now - timedelta(days=days):
        return PurposeState(False, state.event_id, state.at)
    return state


NO_EXPIRY = Expiry()


@dataclass(frozen=True, slots=True)
class MessageContext:
    category: Category
    measure: Measure
    profiling_requested: bool = False
    # Recipients of this campaign that would fall into the aggregate cohort (law 3).
    aggregate_cohort: int = 0
    k_min: int = 10
    at: datetime | None = None  # instant of the decision (render time or hit time)
    expiry: Expiry = NO_EXPIRY  # the workspace's consent expiry, read where k_min is


@dataclass(frozen=True, slots=True)
class Decision:
    send: bool  # False: the recipient gets no message at all (no newsletter consent, unsubscribed)
    open_mode: Mode
    click_mode: Mode
    # consent:<event id> | legacy:non-objector | exemption:<kind> | anonymous-aggregate | none;
    # the basis of the most identifying mode (open and click may differ under deliverability).
    basis: str
    rule_id: str  # e.g. "IT-R4-aggregate"
    reason: str  # one plain sentence for previews, reports and the footer
    profile: str = ""
    # Deliverability (R7): keep only the date of the last open, nothing else from the hit.
    deliverability_only: bool = False
    # Profiling was requested and the recipient granted it; it never changes tracking.
    profiling_allowed: bool = False
    # The profile and campaign cohort allowed aggregate counting at render: a personal hit whose
    # basis no longer holds falls back to the aggregate only when this is True (law 2).
    aggregate_allowed: bool = False



def _fast_constructor(cls: type[T]) -> Callable[..., T]:
    """cls(*args), positional, for a frozen slots dataclass, without its __init__'s cost.

    A frozen dataclass's __init__ sets every field through object.__setattr__ (~150 ns a field,
    ~1.5 µs for a Decision). The twin made here has the same fields and slots but is mutable, so
    its __init__ uses plain stores; each instance then becomes a `cls` (same slots, same layout):
    frozen, hashable and equal to cls(*args). For the hot paths: decide() makes a Decision per
    consented recipient, queueing and tracking flushes read snapshots by the thousand.
    """
    draft: Any = make_dataclass(
        f"_{cls.__name__}Draft",
        [(f.name, f.type, field(default=f.default)) for f in fields(cls)],  # type: ignore[arg-type]
        slots=True,
    )

    def new(*args: Any) -> T:
        obj = draft(*args)
        obj.__class__ = cls
        return obj

    new.__doc__ = f"{cls.__name__}(*args) without the frozen __init__'s per-field cost."
    return new


new_decision = _fast_constructor(Decision)
new_purpose_state = _fast_constructor(PurposeState)
new_snapshot = _fast_constructor(ConsentSnapshot)
