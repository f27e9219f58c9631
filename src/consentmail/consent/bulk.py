"""Appending many ledger events at once: the same chain and state as `record()`, without the ORM.

`record()` builds one ORM object per event and per state row, which an import of a million rows
cannot afford. Here the events go in with one driver-level executemany insert and the derived
state with one INSERT ... SELECT upsert (the last event per contact and purpose decides). The
hashes are event_hash's, computed by a batch hasher checked against event_hash itself, so
`verify_chain` cannot tell which path wrote an event.

Works on the session's connection and transaction; the caller commits. ConsentState objects
already loaded in the session are not refreshed (expire them if you hold any).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from typing import Any, Protocol, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

from consentmail.consent.ledger import (
    ACTIONS,
    PURPOSES,
    LedgerError,
    NewEvent,
    _iso,
    as_utc,
    canonical_json,
    chain_head,
    event_hash,
)
from consentmail.consent.repermission import answer_requests
from consentmail.db.models import ConsentEvent, ConsentState, utcnow

# The escaper json.dumps itself uses for strings when ensure_ascii is off.
_ESCAPE = json.encoder.encode_basestring
_EVENTS = cast(Table, ConsentEvent.__table__)
_STATE = cast(Table, ConsentState.__table__)


def executemany(
    session: Session,
    stmt: UpdateBase,
    rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
    *,
    columns: Sequence[str] | None = None,
    as_text: Collection[str] = (),
) -> None:
    """Run a Core INSERT/UPDATE once per row with the driver's executemany.

    Rows are mappings, or tuples of the values of `columns` in that order. The statement is
    compiled once for the session's dialect and every value goes through its column type's
    own bind processor, so the database receives what `session.execute(stmt, rows)` would
    send; what is skipped is SQLAlchemy's per-row bookkeeping (~10 µs a row). Every row must
    give every bound value (no Python-side column defaults are applied).

    `as_text` names JSON columns whose values the caller gives already serialised (the JSON
    processors of both dialects produce JSON text, which the database parses or stores).
    """
    if not rows:
        return
    session.flush()
    conn = session.connection()
    dialect = conn.dialect
    keys = list(columns) if columns is not None else list(cast(Mapping[str, Any], rows[0]))
    compiled = stmt.compile(dialect=dialect, column_keys=keys)
    names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    missing = [n for n in names if n not in keys]
    if missing:
        raise ValueError(f"executemany: rows lack {missing} for {compiled.string[:60]!r}")
    if columns is None:
        by_name = {
            n: list(map(itemgetter(n), cast(Sequence[Mapping[str, Any]], rows))) for n in names
        }
    else:
        transposed: list[tuple[Any, ...]] = list(
            zip(*cast(Sequence[Sequence[Any]], rows), strict=True)
        )
        by_name = {n: list(transposed[keys.index(n)]) for n in names}
    # Column by column: C-level map() over the values, and each distinct value of a column
    # processed once (dates and timestamps repeat a lot in a batch).
    processed: list[list[Any]] = []
    for name in names:
        values = by_name[name]
        impl = compiled.binds[name].type.dialect_impl(dialect)
        proc = None if name in as_text else impl.bind_processor(dialect)
        if proc is not None:
            if set(map(type, values)) == {datetime}:
                values = _map_datetimes(proc, values, _memo(dialect.name, type(impl)))
            else:
                values = _map_reusing(proc, values)
        processed.append(values)
    params: list[Any] = list(zip(*processed, strict=True))
    if not compiled.positional:
        params = [dict(zip(names, values, strict=True)) for values in params]
    conn.exec_driver_sql(compiled.string, params)


_ZONE = attrgetter("tzinfo")
_MEMOS: dict[tuple[str, type], dict[Any, Any]] = {}


def _memo(dialect: str, kind: type) -> dict[Any, Any]:
    """Processed timestamps, kept across batches (they repeat); bounded, read with .get()."""
    memo = _MEMOS.setdefault((dialect, kind), {})
    if len(memo) > 20_000:
        memo.clear()
    return memo


def _map_datetimes(
    proc: Callable[[Any], Any], values: list[datetime], memo: dict[Any, Any]
) -> list[Any]:
    """proc over timestamps, once per distinct value (a batch repeats a few dates)."""
    zones = set(map(_ZONE, values))
    if len(zones) == 1:  # the usual case: the timestamp alone is the key
        (zone,) = zones
        texts = {value: _processed(proc, memo, value, zone) for value in set(values)}
        return list(map(texts.__getitem__, values))
    # The same instant in another zone is another text: keyed with the zone too.
    zoned = list(zip(values, map(_ZONE, values), strict=True))
    texts = {key: _processed(proc, memo, *key) for key in set(zoned)}
    return list(map(texts.__getitem__, zoned))


def _processed(proc: Callable[[Any], Any], memo: dict[Any, Any], value: Any, zone: Any) -> Any:
    text = memo.get((value, zone))
    if text is None:
        text = memo[value, zone] = proc(value)
    return text


def _map_reusing(proc: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """proc over values, once for a run of the very same object (one row's shared evidence)."""
    out: list[Any] = []
    last: object = out  # a sentinel no value can be
    done: Any = None
    for value in values:
        if value is not last:
            last, done = value, proc(value)
        out.append(done)
    return out


# consent_event columns in the order record_bulk builds its rows.
_COLUMNS = (
    "contact_id",
    "purpose",
    "action",
    "at",
    "recorded_at",
    "source",
    "method",
    "notice_version",
    "notice_sha256",
    "evidence",
    "ip_truncated",
    "prev_hash",
    "hash",
)


class _Row(dict[str, Any]):
    """An event as `event_hash` reads it (by attribute), for the check and the odd cases."""

    __getattr__ = dict.__getitem__


class SerialisedEvidence(dict[str, Any]):
    """Evidence that carries its own canonical JSON (sorted keys, compact, ensure_ascii off),
    for a producer that makes millions of them from a template (an import). record_bulk hashes
    and stores `canonical` as it is; the first event of every batch is still checked against
    event_hash, which serialises the dict itself."""

    __slots__ = ("canonical",)  # set it once the dict is complete
    canonical: str


# '{"action":…,"at":…' of the canonical JSON: imports repeat a few actions and dates.
_HEADS: dict[tuple[str, datetime], str] = {}


def _head(action: str, at: datetime) -> str:
    if len(_HEADS) > 50_000:
        _HEADS.clear()  # bounded, like every cache on the import path
    head = _HEADS[action, at] = f'{{"action":{_ESCAPE(action)},"at":{_ESCAPE(_iso(at))}'
    return head


class _Hasher:
    """`event_hash` for a batch, with the per-event work cut down.

    event_hash serialises each event to canonical JSON (sorted keys, compact, ensure_ascii off)
    and hashes it after the previous hash. Here the canonical text is assembled from pieces made
    with the same string escaper json.dumps uses: the part after the evidence (ip, method,
    notice, purpose, recorded_at, source) repeats across a batch and is built once per distinct
    combination, as is the part before it (action and `at`). Byte for byte the same text at a
    fraction of the cost.
    The first event of every batch is also hashed by event_hash itself; any difference (say
    event_hash changed) and the whole batch falls back to event_hash.
    """

    def __init__(self, recorded_at: datetime) -> None:
        self.recorded_at = _ESCAPE(_iso(recorded_at))
        self.tails: dict[tuple[Any, ...], str] = {}
        self.trusted: bool | None = None  # unknown until the first event is compared
        self.evidence: tuple[object, str] = (None, "{}")  # last evidence object and its JSON

    def __call__(self, prev: str, row: Sequence[Any]) -> str:
        """The hash of `row` (the 11 values of _COLUMNS up to ip_truncated) after `prev`."""
        cid, purpose, action, at, _, source, method, version, sha, evidence, ip = row
        # bool is an int that json writes as "true": only a plain int takes the short way.
        if self.trusted is False or type(cid) is not int:
            return self._slow(prev, row)
        key = (ip, method, sha, version, purpose, source)
        try:  # TypeError: not a string where one is expected: let json.dumps decide
            head = _HEADS.get((action, at))
            tail = self.tails.get(key)
            if head is None:
                head = _head(action, at)
            if tail is None:
                tail = self._tail(key)
            canonical = f'{head},"contact_id":{cid},"evidence":{self.evidence_json(evidence)}{tail}'
        except TypeError:
            return self._slow(prev, row)
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        if self.trusted is None:
            self.trusted = digest == self._slow(prev, row)
            if not self.trusted:
                return self._slow(prev, row)
        return digest

    def _tail(self, key: tuple[Any, ...]) -> str:
        ip, method, sha, version, purpose, source = key
        if len(self.tails) > 10_000:
            self.tails.clear()
        tail = self.tails[key] = (
            f',"ip_truncated":{_ESCAPE(ip)},"method":{_ESCAPE(method)},'
            f'"notice_sha256":{_ESCAPE(sha)},"notice_version":{_ESCAPE(version)},'
            f'"purpose":{_ESCAPE(purpose)},"recorded_at":{self.recorded_at},'
            f'"source":{_ESCAPE(source)}}}'
        )
        return tail

    @staticmethod
    def _slow(prev: str, row: Sequence[Any]) -> str:
        return event_hash(prev, cast(ConsentEvent, _Row(zip(_COLUMNS, row, strict=False))))

    def evidence_json(self, evidence: dict[str, Any] | None) -> str:
        """The canonical JSON of `evidence`, as hashed: also the text the database stores."""
        if type(evidence) is SerialisedEvidence:
            return evidence.canonical
        # One import row's events share their evidence object: serialise it once.
        if self.evidence[0] is not evidence:
            if not evidence:
                return "{}"
            self.evidence = (
                evidence,
                _flat_json(evidence) or canonical_json(evidence),
            )
        return self.evidence[1]


_SCALARS: dict[object, str] = {True: "true", False: "false", None: "null"}
# '"key":value' texts of repeated evidence entries (an int's value is appended to its '"key":').
_PAIRS: dict[tuple[Any, type, Any], str] = {}


class _NotFlat(Exception):
    pass


def _flat_json(evidence: dict[str, Any]) -> str | None:
    """Canonical JSON of a flat dict of strings, ints and booleans; None for anything else."""
    if len(_PAIRS) > 10_000:
        _PAIRS.clear()  # bounded
    parts = []
    try:
        for key in sorted(evidence):
            value = evidence[key]
            kind = type(value)
            if kind is int:
                parts.append(_pair(key, kind, None) + str(value))
            else:
                parts.append(_pair(key, kind, value))
    except (_NotFlat, TypeError):  # TypeError: unsortable keys or an unhashable value
        return None  # floats, lists, dicts: json.dumps knows best
    return "{" + ",".join(parts) + "}"


def _pair(key: Any, kind: type, value: Any) -> str:
    text = _PAIRS.get((key, kind, value))
    if text is None:
        if type(key) is not str:
            raise _NotFlat
        if kind is str:
            written = _ESCAPE(value)
        elif kind is int:
            written = ""  # the caller appends the number
        elif kind is bool or value is None:
            written = _SCALARS[value]
        else:
            raise _NotFlat
        text = _PAIRS[key, kind, value] = _ESCAPE(key) + ":" + written
    return text


class EventLike(Protocol):
    """What record_bulk reads from an event: a NewEvent, or any lighter object with the same
    attributes (a NamedTuple costs a fraction of a frozen dataclass when there are millions)."""

    @property
    def contact_id(self) -> int: ...
    @property
    def purpose(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def source(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def notice_version(self) -> str: ...
    @property
    def notice_sha256(self) -> str: ...
    @property
    def evidence(self) -> dict[str, Any] | None: ...
    @property
    def ip_truncated(self) -> str: ...


def record_bulk(
    session: Session,
    events: Sequence[NewEvent | EventLike],
    *,
    recorded_at: datetime | None = None,
) -> None:
    """Append `events` in order and update consent_state, as `record()` would.

    All events of one call share `recorded_at` (default: now), as they are written together.
    """
    if not events:
        return
    when = recorded_at or utcnow()
    session.flush()  # events pending in the ORM session come first in the chain
    prev = chain_head(session)  # takes the PostgreSQL advisory lock, as record() does
    last_id = session.scalar(select(func.max(ConsentEvent.id))) or 0
    rows: list[tuple[Any, ...]] = []
    hasher = _Hasher(when)
    evidence_json, append = hasher.evidence_json, rows.append
    for new in events:  # nothing is written before every event has been checked
        purpose, action, at, evidence, ip = (
            new.purpose, new.action, new.at, new.evidence, new.ip_truncated
        )
        if purpose not in PURPOSES:
            raise LedgerError(f"unknown purpose {purpose!r}; expected one of {PURPOSES}")
        if action not in ACTIONS:
            raise LedgerError(f"unknown action {action!r}; expected one of {ACTIONS}")
        if at.tzinfo is not UTC:
            at = as_utc(at)
        cid, source, method, version, sha = (
            new.contact_id, new.source, new.method, new.notice_version, new.notice_sha256
        )
        digest = hasher(prev, (cid, purpose, action, at, when, source, method, version, sha,
                               evidence, ip))
        # The canonical JSON just hashed is the stored text too: serialised once, not twice.
        append((cid, purpose, action, at, when, source, method, version, sha,
                evidence_json(evidence), ip, prev, digest))
        prev = digest
    executemany(session, insert(_EVENTS), rows, columns=_COLUMNS, as_text=("evidence",))
    _derive_state(session, last_id)
    answer_requests(session, last_id)


def _derive_state(session: Session, last_id: int) -> None:
    """consent_state from the events just appended, in one INSERT ... SELECT upsert.

    Appenders are serialised (PostgreSQL advisory lock, SQLite's single writer), so the events
    after `last_id` are this call's; ids follow the insert order, so the highest id per contact
    and purpose is its last event, the one that decides (as record() applies them in turn).
    """
    ev = _EVENTS.c
    latest = (
        select(func.max(ev.id).label("id"))
        .where(ev.id > last_id)
        .group_by(ev.contact_id, ev.purpose)
        .scalar_subquery()
    )
    rows = select(
        ev.contact_id, ev.purpose, ev.action == "grant", ev.action == "object", ev.id, ev.at
    ).where(ev.id > last_id, ev.id.in_(latest))  # a WHERE also keeps SQLite's upsert unambiguous
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(_STATE).from_select(
        ["contact_id", "purpose", "granted", "objected", "event_id", "at"], rows
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[_STATE.c.contact_id, _STATE.c.purpose],
        set_={
            "granted": stmt.excluded.granted,
            "objected": stmt.excluded.objected,
            "event_id": stmt.excluded.event_id,
            "at": stmt.excluded.at,
        },
    )
    session.execute(stmt)
