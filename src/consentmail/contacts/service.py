"""Contact import and look-ups: the functions the CLI, the API and the tests call.

An import reads the file as a stream and works in batches of BATCH rows: one query per table to
learn what the database knows about the batch's contacts, a pure plan (plan.py), then executemany
writes and ledger events through `record_bulk`. Each batch is committed, so memory stays flat
and a crash keeps finished batches; importing again is idempotent. `dry_run` commits nothing.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from consentmail.consent.bulk import executemany, record_bulk
from consentmail.consent.expiry import expiry_days
from consentmail.consent.ip_capture import ip_capture_enabled
from consentmail.contacts.address import AddressError, normalise_address
from consentmail.contacts.columns import ImportFormatError
from consentmail.contacts.csv_read import PURPOSE_COLUMNS, ContactReader, ContactRow, Rejection
from consentmail.contacts.file_tally import FileTally
from consentmail.contacts.lists import existing_list, get_or_create_list
from consentmail.contacts.plan import FIELDS, Known, PlannedEvent, Policy, apply_row
from consentmail.db.models import (
    ConsentEvent,
    ConsentState,
    Contact,
    Subscription,
    utcnow,
)

BATCH = 5000  # rows per transaction: memory stays bounded, round trips stay few
_CONTACTS = cast(Table, Contact.__table__)
_SUBS = cast(Table, Subscription.__table__)
# Column order of the tuples we insert.
_FIELD_VALUES = itemgetter(*FIELDS)
_NEW_CONTACT = ("email", *FIELDS, "suppressed", "suppressed_reason", "collected_at", "created_at")
_NEW_SUB = ("contact_id", "list_id", "status", "changed_at", "source")


@dataclass
class ImportSummary:
    # Every valid row is exactly one of created, updated, unchanged (duplicate rows included).
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows whose address came earlier in this file (applied in file order, so a later row's
    # values win), and of those the ones that changed the contact (counted in `updated`).
    duplicates: int = 0
    duplicates_updated: int = 0
    # Contacts of the file not subscribed to the list once it is applied (newsletter "no",
    # unsubscribed, or no newsletter column): a campaign to the list does not reach them.
    not_subscribed: int = 0
    kept: int = 0  # contacts whose unsubscribe or withdrawal was kept despite a yes (I3)
    # contacts whose expired consent a yes did not renew (undated, or not newer than the lapsed
    # grant, or itself past the expiry limit)
    expired_kept: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    events: int = 0  # ledger events recorded
    ignored_columns: list[str] = field(default_factory=list)  # headers we have no use for
    notes: list[str] = field(default_factory=list)  # what the counts do not say, in sentences
    # Rows whose consent_ip was dropped: the workspace keeps no IP (`consent ip-capture`).
    ip_dropped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "kept": self.kept,
            "expired_kept": self.expired_kept,
            "ip_dropped": self.ip_dropped,
            "duplicates": self.duplicates,
            "duplicates_updated": self.duplicates_updated,
            "not_subscribed": self.not_subscribed,
            "rejected": [
                {"file": r.file, "line": r.line, "field": r.field, "value": r.value,
                 "reason": r.reason}
                for r in self.rejected
            ],
            "ignored_columns": self.ignored_columns,
            "notes": self.notes,
        }


NO_CONSENT_COLUMN = (
    "no consent column was found (newsletter_consent, tracking_consent, profiling_consent or "
    "a name like 'opt_in'), so nothing was granted and no one was subscribed"
)


def find_contact(session: Session, raw_email: str) -> Contact | None:
    """The contact for any case/space variant of the address (I4); None if unknown or invalid."""
    try:
        email = normalise_address(raw_email)
    except AddressError:
        return None
    return session.scalar(select(Contact).where(Contact.email == email))


def import_csv(
    session: Session,
    path: Path,
    list_name: str,
    *,
    dry_run: bool = False,
    force: bool = False,
    force_source: str | None = None,
    day_first: bool = True,
    now: datetime | None = None,
) -> ImportSummary:
    """Import a contacts export into `list_name`. Bad rows are reported, never fatal (I6).

    Commits the session after every batch (and anything pending in it with the first one);
    with `dry_run` nothing is committed and everything is rolled back at the end. The list is
    created with the first valid row: a file without data rows is an ImportFormatError and
    creates nothing; one whose rows are all rejected creates nothing either.
    """
    if force and not (force_source and force_source.strip()):
        raise ValueError("force needs a stated source (who asked and why), e.g. 'ticket 4711'")
    path = Path(path)
    if now is None:
        now = utcnow()
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    now = now.astimezone(UTC)
    policy = Policy(
        source=f"import:{path.name}",
        file=path.name,
        now=now,
        force=force,
        force_source=(force_source or "").strip(),
    )
    keep_ip = ip_capture_enabled(session)
    policy.valid_since = {
        purpose: now - timedelta(days=days) for purpose, days in expiry_days(session).items()
    }
    summary = ImportSummary()
    counted: set[tuple[str, str]] = set()  # (address, outcome) counted once per batch
    tally = FileTally()
    existing_list(session, list_name)  # a bad name or a slug taken: say so before reading
    list_id: int | None = None
    with ContactReader(path, day_first=day_first, now=now, keep_ip=keep_ip) as reader, \
            _young_gc():
        summary.ignored_columns = reader.ignored_columns
        if not PURPOSE_COLUMNS.values() & reader.columns.keys():
            summary.notes.append(NO_CONSENT_COLUMN)
        batch: list[ContactRow] = []
        for item in reader:
            if isinstance(item, Rejection):
                summary.rejected.append(item)
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                list_id = list_id or get_or_create_list(session, list_name).id
                _import_batch(session, batch, list_id, policy, summary, counted, tally)
                batch.clear()
                if not dry_run:
                    session.commit()
                counted.clear()  # a contact kept in two batches counts twice: rare, and bounded
                gc.collect(0)
        if batch:
            list_id = list_id or get_or_create_list(session, list_name).id
            _import_batch(session, batch, list_id, policy, summary, counted, tally)
        elif list_id is None and not summary.rejected:
            raise ImportFormatError(
                f"{path}: no data rows after the header line; nothing imported "
                f"(list {list_name.strip()!r} not created)"
            )
        summary.ip_dropped = reader.ips_dropped
    summary.not_subscribed = tally.not_subscribed()
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return summary


@contextmanager
def _young_gc() -> Iterator[None]:
    """Automatic garbage collection off; the caller collects the young generation per batch.

    A batch allocates hundreds of thousands of short-lived tuples, none in a cycle, and each
    automatic collection would scan them (and now and then the whole heap): about a sixth of
    an import's time. Collecting once per batch still frees any cycle, so memory stays flat.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_batch(
    session: Session,
    rows: list[ContactRow],
    list_id: int,
    policy: Policy,
    summary: ImportSummary,
    counted: set[tuple[str, str]],
    tally: FileTally,
) -> None:
    if not rows:
        return
    known = _load(session, {row.email for row in rows}, list_id)
    planned: list[PlannedEvent] = []
    in_batch: set[str] = set()  # addresses of this batch's earlier rows
    duplicates = duplicates_updated = 0
    for row in rows:
        email = row.email
        duplicate = email in in_batch
        if not duplicate:
            in_batch.add(email)
            contact = known.get(email)  # None: new to the database, so new to the file too
            if contact is not None and contact.contact_id is not None:
                duplicate = tally.seen_before(contact.contact_id)
        outcome = apply_row(known, row, policy, planned)
        if outcome.kind == "created":
            summary.created += 1
        elif outcome.kind == "updated":
            summary.updated += 1
            duplicates_updated += duplicate
        else:
            summary.unchanged += 1
        duplicates += duplicate
        if outcome.kept and (row.email, "kept") not in counted:
            counted.add((row.email, "kept"))
            summary.kept += 1
        if outcome.stale and (row.email, "expired") not in counted:
            counted.add((row.email, "expired"))
            summary.expired_kept += 1
    _write(session, known, list_id, planned, policy)
    summary.events += len(planned)
    summary.duplicates += duplicates
    summary.duplicates_updated += duplicates_updated
    tally.record(known.values())


def _load(session: Session, emails: set[str], list_id: int) -> dict[str, Known]:
    """What the database knows about these addresses: fields, subscription, consent state."""
    known: dict[str, Known] = {}
    by_id: dict[int, Known] = {}
    for row in session.execute(
        select(_CONTACTS.c.id, _CONTACTS.c.email, *(_CONTACTS.c[f] for f in FIELDS)).where(
            _among(session, _CONTACTS.c.email, emails)
        )
    ):
        contact = Known(contact_id=row.id, fields={f: getattr(row, f) for f in FIELDS})
        known[row.email] = by_id[row.id] = contact
    if not by_id:
        return known
    ids = list(by_id)
    for cid, status in session.execute(
        select(_SUBS.c.contact_id, _SUBS.c.status).where(
            _SUBS.c.list_id == list_id, _SUBS.c.contact_id.in_(ids)
        )
    ):
        by_id[cid].subscription = status
        by_id[cid].sub_in_db = True
    lapsed: list[tuple[int, str]] = []
    for cid, purpose, granted, action in session.execute(
        select(
            ConsentState.contact_id,
            ConsentState.purpose,
            ConsentState.granted,
            ConsentEvent.action,
        )
        .outerjoin(ConsentEvent, ConsentEvent.id == ConsentState.event_id)
        .where(ConsentState.contact_id.in_(ids))
    ):
        by_id[cid].granted[purpose] = granted
        if action == "expire":  # lapsed, not withdrawn: a newer dated yes renews it
            lapsed.append((cid, purpose))
    if lapsed:
        _load_lapsed_grants(session, by_id, lapsed)
    return known


def _load_lapsed_grants(
    session: Session, by_id: dict[int, Known], lapsed: list[tuple[int, str]]
) -> None:
    """For each expired (contact, purpose): the date of the latest grant, the one that lapsed."""
    wanted = set(lapsed)
    ev = ConsentEvent
    for cid, purpose, at in session.execute(
        select(ev.contact_id, ev.purpose, func.max(ev.at))
        .where(ev.contact_id.in_({cid for cid, _ in lapsed}), ev.action == "grant")
        .group_by(ev.contact_id, ev.purpose)
    ):
        if (cid, purpose) in wanted:
            contact = by_id[cid]
            if contact.expired is None:
                contact.expired = {}
            contact.expired[purpose] = at if at.tzinfo else at.replace(tzinfo=UTC)


def _among(session: Session, column: ColumnElement[str], values: set[str]) -> ColumnElement[bool]:
    """`column IN values` with the values as one parameter, not thousands of placeholders
    (rendering and binding those cost more than the look-up itself)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("among", list(values), type_=ARRAY(String)))
    each = func.json_each(bindparam("among", json.dumps(list(values)))).table_valued("value")
    return column.in_(select(each.c.value))


def _write(
    session: Session,
    known: dict[str, Known],
    list_id: int,
    planned: list[PlannedEvent],
    policy: Policy,
) -> None:
    now = policy.now
    new = {email: c for email, c in known.items() if c.contact_id is None}
    if new:
        values = [
            (email, *_FIELD_VALUES(c.fields), False, "", c.collected_at or now, now)
            for email, c in new.items()
        ]
        before = session.scalar(select(func.max(_CONTACTS.c.id))) or 0
        executemany(session, insert(_CONTACTS), values, columns=_NEW_CONTACT)
        # Ids grow, so ours are above the old maximum: a range scan on the primary key instead
        # of one index lookup per address. Others' rows in the range are ignored, and should
        # a sequence hand out lower ids (cached sequences), the look-up by address finds them.
        _assign_ids(session, new, _CONTACTS.c.id > before)
        missing = [email for email, c in new.items() if c.contact_id is None]
        if missing:
            _assign_ids(session, new, _CONTACTS.c.email.in_(missing))
    updates = [
        {"cid": c.contact_id, **c.fields}
        for email, c in known.items()
        if c.dirty and email not in new
    ]
    executemany(
        session,
        update(_CONTACTS)
        .where(_CONTACTS.c.id == bindparam("cid"))
        .values({f: bindparam(f) for f in FIELDS}),
        updates,
    )
    _write_subscriptions(session, known.values(), list_id, now)
    record_bulk(session, planned, recorded_at=now)


def _assign_ids(session: Session, new: dict[str, Known], where: ColumnElement[bool]) -> None:
    found = session.execute(select(_CONTACTS.c.id, _CONTACTS.c.email).where(where)).all()
    for cid, email in found:
        if email in new:
            new[email].contact_id = cid


def _id(contact: Known) -> int:
    assert contact.contact_id is not None  # inserted above
    return contact.contact_id


def _write_subscriptions(
    session: Session, contacts: Iterable[Known], list_id: int, now: datetime
) -> None:
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for c in contacts:
        if c.sub_changed:
            row = (_id(c), list_id, c.subscription, now, c.sub_source)
            (updates if c.sub_in_db else inserts).append(row)
    executemany(session, insert(_SUBS), inserts, columns=_NEW_SUB)
    executemany(
        session,
        update(_SUBS)
        .where(_SUBS.c.contact_id == bindparam("cid"), _SUBS.c.list_id == bindparam("lid"))
        .values(
            status=bindparam("status"),
            source=bindparam("source"),
            changed_at=bindparam("changed_at"),
        ),
        [(status, changed, source, cid, lid) for cid, lid, status, changed, source in updates],
        columns=("status", "changed_at", "source", "cid", "lid"),
    )
