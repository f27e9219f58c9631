"""Queueing a campaign: one policy decision per recipient, stored with its outbox row.

Law 3 needs the size of the anonymous aggregate cohort before anyone is decided: a cohort below k
gets no aggregate at all. The cohort is the campaign's messages that carry the aggregate pixel:
those queued earlier plus this run's newcomers. decide() reads the cohort only as `cohort >= k`,
so one pass suffices: each newcomer is decided as if the cohort reached k, counted, and written;
if the cohort ends below k, the few rows that differ below k (cohort members only, so fewer than
k) are corrected before returning. Both properties of decide() are tested in
tests/policy/test_laws.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from consentmail.campaigns.compose import PER_PERSON
from consentmail.campaigns.preflight import require_preflight
from consentmail.campaigns.urls import new_token
from consentmail.consent.expiry import workspace_expiry
from consentmail.consent.overrides import profile_overrides
from consentmail.consent.state import list_members
from consentmail.contacts.segments import engaged_segment, parse_segment
from consentmail.db.models import Campaign, Message, utcnow
from consentmail.policy import Profile, decide, profile_for_country
from consentmail.policy.types import (
    NO_EXPIRY,
    Category,
    ConsentSnapshot,
    Decision,
    Expiry,
    Measure,
    MessageContext,
    Mode,
)

CHUNK = 10_000  # recipients read, decided and written at a time
UNLIMITED_COHORT = 1 << 40


@dataclass
class QueueSummary:
    queued: int = 0
    not_sent: int = 0  # no newsletter consent, unsubscribed or suppressed
    outside_segment: int = 0  # on the list, not in the campaign's engaged segment
    already_queued: int = 0
    modes: dict[str, int] = field(
        default_factory=lambda: {"personal": 0, "aggregate": 0, "none": 0}
    )


def tracking_mode(open_mode: str, click_mode: str) -> str:
    """How a message is measured, in one word: personal wins over aggregate over none."""
    modes = {open_mode, click_mode}
    if Mode.PERSONAL in modes:
        return "personal"
    if Mode.AGGREGATE in modes:
        return "aggregate"
    return "none"


def _members(conn: Connection, list_id: int) -> Iterator[list[tuple[int, str, ConsentSnapshot]]]:
    """(contact id, country, snapshot) of everyone on the list, in chunks, by id."""
    last = 0
    while members := list_members(conn, list_id, last, CHUNK):
        last = members[-1][0]
        yield members


def context_for(
    campaign: Campaign, cohort: int, k_min: int, at: datetime, *, expiry: Expiry = NO_EXPIRY
) -> MessageContext:
    """The campaign's facts as decide() reads them, at `at`, with the workspace's consent expiry
    (consent.expiry.workspace_expiry) so that a lapsed grant is no basis."""
    return MessageContext(
        category=Category(campaign.category),
        measure=Measure(campaign.measure),
        # Picking recipients by engagement is profiling: decide() says whom it is allowed for.
        profiling_requested=campaign.segment is not None,
        aggregate_cohort=cohort,
        k_min=k_min,
        at=at,
        expiry=expiry,
    )


def _segment_members(session: Session, campaign: Campaign, list_id: int) -> set[int] | None:
    """The contacts a segmented campaign may go to (None: the whole list)."""
    if campaign.segment is None:
        return None
    last_n = parse_segment(campaign.segment)
    return set(engaged_segment(session, list_id, last_n, exclude=campaign.id))


def decide_for(
    snap: ConsentSnapshot,
    country: str,
    ctx: MessageContext,
    default_jurisdiction: str,
    overrides: Mapping[str, str] | None = None,
) -> Decision:
    profile = profile_for_country(country, default=default_jurisdiction, overrides=overrides)
    return decide(snap, ctx, profile)


class _Profiles:
    """profile_for_country is pure: looked up once per country, not once per recipient."""

    def __init__(self, default_jurisdiction: str, overrides: Mapping[str, str]) -> None:
        self.default, self.overrides = default_jurisdiction, overrides
        self.found: dict[str, Profile] = {}

    def __call__(self, country: str) -> Profile:
        profile = self.found.get(country)
        if profile is None:
            profile = self.found[country] = profile_for_country(
                country, default=self.default, overrides=self.overrides
            )
        return profile


def _newcomer(
    cid: int, snap: ConsentSnapshot, profile: Profile, ctx: MessageContext, segment: set[int] | None
) -> Decision | None:
    """A list member's decision as queueing makes it; None when outside the campaign's segment."""
    if segment is not None and cid not in segment:
        return None  # not a recipient: not in the cohort either
    d = decide(snap, ctx, profile)
    if segment is not None and d.send and not d.profiling_allowed:
        # The gate once more, from this chunk's snapshot: a withdrawal since the segment was
        # read takes the contact out.
        return None
    return d


def _in_cohort(d: Decision) -> bool:
    """The message carries the campaign's aggregate pixel or links (law 3 counts it)."""
    return d.send and Mode.AGGREGATE in (d.open_mode, d.click_mode)


def _queued_contacts(conn: Connection, campaign_id: int, first: int, last: int) -> set[int]:
    return set(
        conn.scalars(
            select(Message.contact_id).where(
                Message.campaign_id == campaign_id, Message.contact_id.between(first, last)
            )
        )
    )


def cohort_if_queued(
    session: Session,
    campaign: Campaign,
    *,
    k_min: int,
    default_jurisdiction: str,
    now: datetime | None = None,
    expiry: Expiry = NO_EXPIRY,
) -> int:
    """The aggregate cohort queue_campaign() would store if it ran at `now`: the messages that
    already carry the aggregate pixel plus the newcomers it would give one, decided the same
    way (segment, profiles, overrides). Writes nothing; for `policy explain` on a draft (law 7).
    """
    list_id = campaign.list_id
    if list_id is None:
        return 0
    segment = _segment_members(session, campaign, list_id)
    profile_of = _Profiles(default_jurisdiction, profile_overrides(session))
    reached = context_for(
        campaign, max(UNLIMITED_COHORT, k_min), k_min, now or utcnow(), expiry=expiry
    )
    session.flush()
    conn = session.connection()
    cohort = _aggregate_messages(conn, campaign.id)
    for members in _members(conn, list_id):
        existing = _queued_contacts(conn, campaign.id, members[0][0], members[-1][0])
        for cid, country, snap in members:
            if cid in existing:
                continue
            d = _newcomer(cid, snap, profile_of(country), reached, segment)
            if d is not None and _in_cohort(d):
                cohort += 1
    return cohort


def queue_campaign(
    session: Session, campaign: Campaign, *, k_min: int, default_jurisdiction: str
) -> QueueSummary:
    """Create the outbox rows of a list campaign (idempotent: re-queueing adds only newcomers).

    Set-based and bounded: each chunk of the list is read with its snapshots in two queries and
    its outbox rows written in one statement (COPY on PostgreSQL, executemany elsewhere); memory
    holds one chunk whatever the list's size.
    """
    list_id = campaign.list_id
    if list_id is None:
        raise ValueError(f"campaign {campaign.id} has no list to send to")
    if campaign.category in PER_PERSON:  # a campaign stored before create_campaign refused it
        raise ValueError(
            f"campaign {campaign.id} is {campaign.category} mail to a list: that is per-person "
            "mail, sent through the transactional API (POST /api/messages), never to a list"
        )
    # Before any row exists: raises PreflightBlocked naming each element that leaks (issue 4).
    require_preflight(session, campaign)
    now = utcnow()
    # An engagement segment (profiling, R3/R9): computed now, behind the profiling gate of
    # engaged_segment; one query for the list, then a set look-up per member.
    segment = _segment_members(session, campaign, list_id)
    profile_of = _Profiles(default_jurisdiction, profile_overrides(session))
    # Grants older than the workspace's expiry are no basis, even before `consent expire` ran.
    expiry = workspace_expiry(session)
    session.flush()  # the Core statements below share the session's connection and transaction
    conn = session.connection()

    # cohort >= k, and cohort < k (used only when k_min > 0)
    reached = context_for(campaign, max(UNLIMITED_COHORT, k_min), k_min, now, expiry=expiry)
    below = context_for(campaign, 0, k_min, now, expiry=expiry)
    # Law 3 counts the messages that carry the aggregate pixel: those queued before (their
    # modes are fixed, they may be sent already) and this run's newcomers. A re-queue never
    # lets a few newcomers share a pixel meant for k, nor shrinks a cohort already sent.
    cohort = _aggregate_messages(conn, campaign.id)
    # (contact, decision written, decision below k) while the cohort so far is below k.
    fixes: list[tuple[int, Decision, Decision]] = []
    summary = QueueSummary()
    modes = summary.modes
    shared = {"campaign_id": campaign.id, "list_id": list_id, "status": "queued"}
    outbox = _OutboxWriter(conn, shared)
    for members in _members(conn, list_id):
        existing = _queued_contacts(conn, campaign.id, members[0][0], members[-1][0])
        rows = []
        for cid, country, snap in members:
            if cid in existing:
                summary.already_queued += 1
                continue
            profile = profile_of(country)
            d = _newcomer(cid, snap, profile, reached, segment)
            if d is None:
                summary.outside_segment += 1
                continue
            if _in_cohort(d):
                cohort += 1
            if cohort < k_min:
                d_below = decide(snap, below, profile)
                if d_below is not d and _stored(d_below) != _stored(d):
                    fixes.append((cid, d, d_below))
            if not d.send:
                summary.not_sent += 1
                continue
            rows.append(_row(cid, d))
            modes[tracking_mode(d.open_mode, d.click_mode)] += 1
        outbox.write(rows)
        summary.queued += len(rows)
        if cohort >= k_min:
            fixes.clear()
    if cohort < k_min:
        _correct(conn, campaign.id, fixes, summary)
    campaign.aggregate_cohort = cohort
    campaign.status = "queued"
    campaign.queued_at = campaign.queued_at or now
    return summary


def _aggregate_messages(conn: Connection, campaign_id: int) -> int:
    aggregate = Mode.AGGREGATE.value
    return conn.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.campaign_id == campaign_id,
            or_(Message.open_mode == aggregate, Message.click_mode == aggregate),
        )
    ) or 0


def _stored(d: Decision) -> tuple:
    """What an outbox row keeps of a decision (aggregate_allowed and profiling_allowed are not)."""
    return (d.send, d.open_mode, d.click_mode, d.basis, d.rule_id, d.reason, d.profile,
            d.deliverability_only)


def _correct(
    conn: Connection,
    campaign_id: int,
    fixes: list[tuple[int, Decision, Decision]],
    summary: QueueSummary,
) -> None:
    """The cohort ended below k: rewrite the rows written as if it had reached k."""
    for contact_id, written, d in fixes:
        if written.send != d.send:
            raise RuntimeError("decide() made sending depend on the aggregate cohort")
        if not d.send:
            continue
        values = decision_fields(d)
        personal = Mode.PERSONAL in (d.open_mode, d.click_mode)
        if personal != (Mode.PERSONAL in (written.open_mode, written.click_mode)):
            values["track_token"] = new_token() if personal else None
        conn.execute(
            update(Message)
            .where(Message.campaign_id == campaign_id, Message.contact_id == contact_id)
            .values(**values)
        )
        summary.modes[tracking_mode(written.open_mode, written.click_mode)] -= 1
        summary.modes[tracking_mode(d.open_mode, d.click_mode)] += 1


# What an outbox row takes from its recipient; the rest is the same for the whole chunk.
_PER_ROW = (
    "contact_id", "page_token", "track_token", "open_mode", "click_mode", "basis", "rule_id",
    "reason", "profile", "deliverability_only",
)


def _row(contact_id: int, d: Decision) -> tuple:
    """message_row()'s per-recipient values, in _PER_ROW order."""
    personal = Mode.PERSONAL in (d.open_mode, d.click_mode)
    return (
        contact_id,
        new_token(),
        new_token() if personal else None,
        d.open_mode.value,
        d.click_mode.value,
        d.basis,
        d.rule_id,
        d.reason,
        d.profile,
        d.deliverability_only,
    )


class _OutboxWriter:
    """Writes a chunk of outbox rows in one go, below SQLAlchemy's per-row cost.

    SQLAlchemy's executemany converts every parameter of every row in Python: ~25 µs a row,
    more than SQLite's own insert. Here the values every row shares (campaign, list, status and
    the model's Python-side column defaults, as the ORM object gets them) are made and converted
    once a chunk, the per-recipient values (str, int, bool) only where their type needs it. Then
    PostgreSQL (psycopg) takes one COPY, about half the server time of row-by-row INSERTs, and
    SQLite one DBAPI executemany of an INSERT compiled once. Other drivers get plain Core.
    """

    def __init__(self, conn: Connection, shared: dict[str, Any]) -> None:
        table = Message.__table__
        dialect = conn.dialect
        self.conn, self.shared = conn, shared
        named = {*shared, *_PER_ROW}
        self.defaults = [
            c for c in table.c
            if c.key not in named and c.default is not None
            and (c.default.is_scalar or c.default.is_callable)
        ]
        self.columns = [*shared, *(c.key for c in self.defaults), *_PER_ROW]
        impls = {key: table.c[key].type.dialect_impl(dialect) for key in self.columns}
        self.convert = {
            key: proc for key, impl in impls.items()
            if (proc := impl.bind_processor(dialect)) is not None
        }
        self.per_row_convert = [
            (i, self.convert[key]) for i, key in enumerate(_PER_ROW) if key in self.convert
        ]
        quote = dialect.identifier_preparer.quote
        self.sql, self.order = "", None
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            columns = ", ".join(quote(key) for key in self.columns)
            self.sql = f"COPY {quote(Message.__tablename__)} ({columns}) FROM STDIN"
        elif dialect.positional:
            compiled = insert(Message).inline().compile(dialect=dialect, column_keys=self.columns)
            self.sql = compiled.string
            self.order = itemgetter(*(self.columns.index(k) for k in compiled.positiontup or ()))

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        shared = dict(self.shared)
        for column in self.defaults:  # once a chunk: created_at is the chunk's write time
            default: Any = column.default
            shared[column.key] = default.arg(None) if default.is_callable else default.arg
        if not self.sql:
            keys = [*shared, *_PER_ROW]
            values = [dict(zip(keys, (*shared.values(), *row), strict=True)) for row in rows]
            self.conn.execute(insert(Message), values)
            return
        convert = self.convert
        head = tuple(convert[k](v) if k in convert else v for k, v in shared.items())
        if self.per_row_convert:
            rows = [_converted(row, self.per_row_convert) for row in rows]
        if self.order is None:  # PostgreSQL: COPY on the session's own connection
            cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(self.sql) as copy:
                for row in rows:
                    copy.write_row((*head, *row))
        else:
            order = self.order
            self.conn.exec_driver_sql(self.sql, [order((*head, *row)) for row in rows])


def _converted(row: tuple, convert: list[tuple[int, Any]]) -> tuple:
    values = list(row)
    for i, proc in convert:
        values[i] = proc(values[i])
    return tuple(values)


def message_row(
    campaign_id: int | None, contact_id: int, list_id: int | None, d: Decision
) -> Message:
    personal = Mode.PERSONAL in (d.open_mode, d.click_mode)
    return Message(
        campaign_id=campaign_id,
        contact_id=contact_id,
        list_id=list_id,
        status="queued",
        page_token=new_token(),
        track_token=new_token() if personal else None,
        **decision_fields(d),
    )


def decision_fields(d: Decision) -> dict:
    return {
        "open_mode": d.open_mode.value,
        "click_mode": d.click_mode.value,
        "basis": d.basis,
        "rule_id": d.rule_id,
        "reason": d.reason,
        "profile": d.profile,
        "deliverability_only": getattr(d, "deliverability_only", False),
    }
