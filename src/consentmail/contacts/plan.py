"""What importing one row changes, decided without I/O.

Rows are applied one after the other to what is known about each contact (from the database
or from earlier rows of the same file), so a later duplicate row updates the contact (I4) and the
counts are the same whatever the batch size. The service turns the plan into SQL.

Rules (laws 1 and 5, cases I3 and I8):
- a yes for a purpose with no state is a grant; a yes after a withdrawal is kept as it is
  (no re-grant), unless forced with a stated source; a contact who left the list or withdrew
  the newsletter consent gets no new grant of any purpose from a file, unless forced;
- expiry is not a withdrawal: a yes dated after the grant that lapsed, and recent enough not to
  be past the purpose's expiry limit itself, renews it; an older one (say the old file again), or
  an undated one (it may be the lapsed grant), leaves it expired, unless forced;
- a no records nothing: silence is refusal when there is no state, and an import is not a
  withdrawal when there is a grant (forced: the file is authoritative, the grant is withdrawn);
- the list subscription follows the newsletter column: created with the grant, never revived
  after an unsubscribe unless forced; no newsletter column, no subscription;
- "unsubscribed" in the subscription column (our export writes it) is the person's own word and
  always applies, forced or not: the contact is unsubscribed from the list and the newsletter
  consent withdrawn on the ledger (as an unsubscribe link does), so no later file re-subscribes
  them without force. The row's newsletter answer is not applied; its other purposes are, as
  usual. "subscribed" is not consent: it adds nothing to the newsletter column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from consentmail.consent.bulk import SerialisedEvidence
from consentmail.consent.ledger import canonical_json
from consentmail.contacts.csv_read import ContactRow
from consentmail.contacts.values import SUBSCRIBED, UNSUBSCRIBED

PURPOSES = ("newsletter", "tracking", "profiling")
FIELDS = ("first_name", "last_name", "country", "language")


@dataclass(slots=True)
class Known:
    """One contact as the import sees it; updated row by row."""

    contact_id: int | None  # None: created by this import, not inserted yet
    fields: dict[str, str]
    subscription: str | None = None  # status on the imported list, None if not on it
    sub_in_db: bool = False  # a subscription row exists already (update, not insert)
    granted: dict[str, bool] = field(default_factory=dict)  # purpose -> granted; absent: no state
    dirty: bool = False  # fields to write
    sub_changed: bool = False
    sub_source: str = ""
    collected_at: datetime | None = None
    # purpose -> the date of the grant that lapsed, for purposes whose latest event is an expiry
    expired: dict[str, datetime] | None = None


class PlannedEvent(NamedTuple):
    """A ledger event to record, as record_bulk reads it (NewEvent's attributes).

    A tuple, not a dataclass: a large import makes millions. The contact may not be inserted
    yet when the event is planned, so its id is read from it at write time.
    """

    contact: Known
    purpose: str
    action: str
    at: datetime
    source: str
    evidence: dict[str, Any]
    ip_truncated: str
    method: str = "import"
    notice_version: str = ""  # I8: no notice is known for an imported consent
    notice_sha256: str = ""

    @property
    def contact_id(self) -> int:
        if self.contact.contact_id is None:
            raise LookupError("the contact of this event has not been inserted yet")
        return self.contact.contact_id


@dataclass
class Policy:
    source: str  # "import:<file name>"
    now: datetime
    file: str = ""  # the file's name, in the evidence of forced events (their source is --source)
    force: bool = False
    force_source: str = ""
    # consent_date -> 00:00 UTC (looked up with None too: an undated row finds nothing)
    midnights: dict[date | None, datetime] = field(default_factory=dict)
    # purpose -> the oldest grant date its expiry limit still allows (consent.expiry)
    valid_since: dict[str, datetime] = field(default_factory=dict)


class Outcome(NamedTuple):
    kind: str  # created | updated | unchanged
    kept: bool  # a yes was not applied because of an earlier withdrawal/unsubscribe (I3)
    stale: bool = False  # a yes was not applied: not dated after the consent's expiry


CREATED = Outcome("created", False)
# (changed, kept, stale) -> the outcome for a contact known before this row
_OUTCOMES = {
    (changed, kept, stale): Outcome("updated" if changed else "unchanged", kept, stale)
    for changed in (False, True)
    for kept in (False, True)
    for stale in (False, True)
}
_NEWSLETTER, _TRACKING, _PROFILING = PURPOSES
_new_event = tuple.__new__  # a PlannedEvent without NamedTuple's Python-level __new__ (hot path)


def apply_row(
    known: dict[str, Known], row: ContactRow, policy: Policy, events: list[PlannedEvent]
) -> Outcome:
    """Apply `row` to `known[row.email]` (created if missing) and append the events it causes."""
    if row.subscription == UNSUBSCRIBED:
        return _unsubscribed(known, row, policy, events)
    contact = known.get(row.email)
    at = policy.midnights.get(row.consent_date) or _at(row, policy)
    if contact is None:
        return _create(known, row, policy, events, at)
    changed = kept = stale = False
    for name in FIELDS:
        value = getattr(row, name)
        if value and contact.fields[name] != value:  # an empty cell never erases anything
            contact.fields[name] = value
            contact.dirty = changed = True
    # I3: someone who left (unsubscribed, or withdrew the newsletter consent) said so after the
    # file was made: its yes grants nothing new to them, for any purpose, unless forced.
    # An expired newsletter consent is no withdrawal: it lapsed, the person did not leave.
    expired = contact.expired or {}
    left = contact.subscription == UNSUBSCRIBED or (
        contact.granted.get(_NEWSLETTER) is False and _NEWSLETTER not in expired
    )
    evidence: dict[bool, dict[str, Any]] = {}  # forced or not -> shared by this row's events
    for purpose, wanted in zip(PURPOSES, (row.newsletter, row.tracking, row.profiling),
                               strict=True):
        if wanted is None:
            continue  # no such column: the file says nothing
        state = contact.granted.get(purpose)
        lapsed_at = expired.get(purpose)
        action, forced = "", False
        # A dated yes newer than the lapsed grant, and not past the limit itself, is a new
        # consent; an undated one may be the lapsed grant.
        renewed = (
            lapsed_at is not None
            and row.consent_date is not None
            and at > lapsed_at
            and at >= policy.valid_since.get(purpose, at)
        )
        if wanted and (state is None or renewed) and not left:
            action = "grant"
        elif wanted and not state:
            if policy.force:
                action, forced = "grant", True
            elif lapsed_at is not None and not left:
                stale = True
            else:
                kept = True
        elif not wanted and state is True and policy.force:
            action, forced = "withdraw", True
        if action:
            if forced not in evidence:
                evidence[forced] = (
                    _forced_evidence(row, policy) if forced else _evidence(row, False)
                )
            # A forced event happens now, on someone's word (--source): the file's date is when
            # the person said yes before, and dating the event then would put it before the
            # withdrawal it overrides (and could make it expire at once). Kept as evidence.
            when = policy.now if forced else at
            _event(events, contact, row, policy, purpose, action, when, evidence[forced], forced)
            changed = True
    sub_change = _subscription(contact, row, policy)
    if sub_change == "kept":
        kept = True
    elif sub_change:
        changed = True
    return _OUTCOMES[changed, kept, stale]


def _create(
    known: dict[str, Known], row: ContactRow, policy: Policy, events: list[PlannedEvent],
    at: datetime,
) -> Outcome:
    """apply_row for an address seen for the first time: every yes is a grant (the common case
    of a large import, so it takes the short way)."""
    fields = {"first_name": row.first_name, "last_name": row.last_name,
              "country": row.country, "language": row.language}
    # Positional: a million of them, and keyword arguments cost twice as much here.
    granted: dict[str, bool] = {}
    contact = known[row.email] = Known(None, fields, None, False, granted, True, False, "", at)
    evidence = None
    for purpose, wanted in ((_NEWSLETTER, row.newsletter), (_TRACKING, row.tracking),
                            (_PROFILING, row.profiling)):
        if wanted:
            if evidence is None:
                evidence = _evidence(row, False)
            granted[purpose] = True
            events.append(_new_event(PlannedEvent, (
                contact, purpose, "grant", at, policy.source, evidence, row.ip, "import", "", "",
            )))
    if row.newsletter:
        contact.subscription = SUBSCRIBED
        contact.sub_changed = True
        contact.sub_source = policy.source
    return CREATED


def _subscription(contact: Known, row: ContactRow, policy: Policy) -> str:
    """'' (nothing), 'changed' or 'kept'."""
    if row.newsletter is None:
        return ""
    status, forced = contact.subscription, False
    if row.newsletter:
        if status is None and contact.granted.get("newsletter"):
            status = SUBSCRIBED
        elif status == UNSUBSCRIBED:
            if not policy.force:
                return "kept"
            status, forced = SUBSCRIBED, True
    elif status == SUBSCRIBED and policy.force:
        status, forced = UNSUBSCRIBED, True
    if status == contact.subscription:
        return ""
    contact.subscription = status
    contact.sub_changed = True
    contact.sub_source = policy.force_source if forced else policy.source
    return "changed"


def _unsubscribed(
    known: dict[str, Known], row: ContactRow, policy: Policy, events: list[PlannedEvent]
) -> Outcome:
    """apply_row for a row whose subscription column says the person left the list."""
    outcome = apply_row(known, row._replace(newsletter=None, subscription=None), policy, events)
    contact = known[row.email]
    changed = False
    if contact.subscription != UNSUBSCRIBED:
        contact.subscription, contact.sub_changed = UNSUBSCRIBED, True
        contact.sub_source = policy.source
        changed = True
    if contact.granted.get(_NEWSLETTER) is not False:
        # When they left is not in the file: the import time, like a forced withdrawal.
        contact.granted[_NEWSLETTER] = False
        evidence = {"imported": True, "line": row.line, "subscription": UNSUBSCRIBED}
        events.append(PlannedEvent(
            contact, _NEWSLETTER, "withdraw", policy.now, policy.source, evidence, "",
        ))
        changed = True
    if outcome.kind == "created" or not changed:
        return outcome
    return _OUTCOMES[True, outcome.kept, outcome.stale]


def _at(row: ContactRow, policy: Policy) -> datetime:
    if row.consent_date is None:
        return policy.now  # I8: no date known, the import time
    if isinstance(row.consent_date, datetime):
        return row.consent_date  # the file gave a time (csv_read made it UTC)
    at = policy.midnights.get(row.consent_date)
    if at is None:
        if len(policy.midnights) > 50_000:
            policy.midnights.clear()  # bounded: memory must not grow with the file
        d = row.consent_date
        at = policy.midnights[d] = datetime(d.year, d.month, d.day, tzinfo=UTC)
    return at


def _evidence(row: ContactRow, forced: bool) -> SerialisedEvidence:
    # I8: what the file says and nothing more (no notice version we never saw).
    evidence = SerialisedEvidence(imported=True)
    if forced:
        evidence["forced"] = True
    if row.consent_source:
        evidence["consent_source"] = row.consent_source
    if row.ip:
        evidence["ip"] = row.ip
    # Canonical JSON sorts the keys and "line" comes last: the text before it repeats, the
    # line number is appended (tests compare with json.dumps on random rows).
    key = (forced, row.consent_source, row.ip)
    head = _EVIDENCE_HEADS.get(key)
    if head is None:
        if len(_EVIDENCE_HEADS) > 10_000:
            _EVIDENCE_HEADS.clear()  # bounded
        assert max(evidence) < "line"
        head = _EVIDENCE_HEADS[key] = canonical_json(evidence)[:-1] + ',"line":'
    evidence["line"] = row.line
    evidence.canonical = f"{head}{row.line}}}"
    return evidence


_EVIDENCE_HEADS: dict[tuple[bool, str, str], str] = {}


def _forced_evidence(row: ContactRow, policy: Policy) -> SerialisedEvidence:
    """_evidence of a forced event, with what the file says that the event does not: its name
    and its consent date. Rare (one per forced change), so not cached."""
    evidence = SerialisedEvidence(imported=True, forced=True, line=row.line)
    if policy.file:
        evidence["file"] = policy.file
    if row.consent_date is not None:
        evidence["file_consent_date"] = row.consent_date.isoformat()
    if row.consent_source:
        evidence["consent_source"] = row.consent_source
    if row.ip:
        evidence["ip"] = row.ip
    evidence.canonical = canonical_json(evidence)
    return evidence


def _event(
    events: list[PlannedEvent], contact: Known, row: ContactRow, policy: Policy,
    purpose: str, action: str, at: datetime, evidence: dict[str, Any], forced: bool,
) -> None:
    contact.granted[purpose] = action == "grant"
    if contact.expired:
        contact.expired.pop(purpose, None)  # this event is now the latest
    events.append(
        PlannedEvent(
            contact, purpose, action, at, policy.force_source if forced else policy.source,
            evidence, row.ip,
        )
    )
