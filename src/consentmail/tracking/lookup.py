"""Token lookups in the database: what a pixel or link URL points at (law 6: the mapping from a
token to a person lives only here, in the database)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from consentmail.db.models import Campaign, CampaignLink, Message

# Core tables: lookups read plain rows, without the ORM's per-row bookkeeping (hot and batched).
MESSAGE: Table = Message.__table__  # type: ignore[assignment]
CAMPAIGN: Table = Campaign.__table__  # type: ignore[assignment]
LINK: Table = CampaignLink.__table__  # type: ignore[assignment]
PERSONAL = "personal"
_EMPTY: Mapping[int, bytes] = MappingProxyType({})
# Characters a URL may already carry; anything else (non-ASCII, spaces) is percent-encoded once.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


@dataclass(frozen=True, slots=True)
class Target:
    """What the hot path needs about a token, cached by the resolver."""

    aggregate: bool
    opens: bool  # the pixel of this token was placed in a message
    links: Mapping[int, bytes]  # link index -> Location header value; absent index -> 404


def location(url: str) -> bytes:
    """The Location header value for a stored destination, byte for byte when it is ASCII."""
    try:
        return url.encode("ascii")
    except UnicodeEncodeError:
        return quote(url, safe=_URL_SAFE).encode("ascii")


def campaign_links(session: Session, campaign_id: int) -> Mapping[int, bytes]:
    """A campaign's links without merge fields. Links with merge fields are tracked in personal
    mode only, through each message's personal_destinations (case L7)."""
    static = {
        index: location(url)
        for index, url, merge in session.connection().execute(
            select(LINK.c.index, LINK.c.url, LINK.c.has_merge_fields).where(
                LINK.c.campaign_id == campaign_id
            )
        )
        if not merge
    }
    return MappingProxyType(static)


def load_target(
    session: Session,
    token: str,
    aggregate: bool,
    links_of: Callable[[int], Mapping[int, bytes]],
) -> Target | None:
    """The target of one token, or None when no message or campaign has it."""
    if aggregate:
        campaign_id = session.connection().scalar(
            select(CAMPAIGN.c.id).where(CAMPAIGN.c.aggregate_token == token)
        )
        if campaign_id is None:
            return None
        return Target(True, True, links_of(campaign_id))
    m = MESSAGE.c
    row = session.connection().execute(
        select(m.campaign_id, m.open_mode, m.click_mode, m.personal_destinations).where(
            m.track_token == token
        )
    ).first()
    if row is None:
        return None
    links = _EMPTY
    if row.click_mode == PERSONAL:
        static = links_of(row.campaign_id) if row.campaign_id is not None else _EMPTY
        own = _own_destinations(row.personal_destinations)
        links = MappingProxyType({**static, **own}) if own else static
    return Target(False, row.open_mode == PERSONAL, links)


def _own_destinations(raw: Mapping[str, str] | None) -> dict[int, bytes]:
    own: dict[int, bytes] = {}
    for key, url in (raw or {}).items():
        if str(key).isdigit() and isinstance(url, str) and url:
            own[int(key)] = location(url)
    return own


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """A personal token's message, as the flush needs it."""

    id: int
    campaign_id: int | None
    contact_id: int
    list_id: int | None
    open_mode: str
    click_mode: str
    basis: str
    rule_id: str
    reason: str
    profile: str
    deliverability_only: bool
    sent_at: datetime | None
    link_count: int
    campaign_measure: str
    aggregate_cohort: int


@dataclass(frozen=True, slots=True)
class CampaignFacts:
    """An aggregate token's campaign."""

    id: int
    measure: str
    aggregate_cohort: int
    link_count: int


def load_messages(session: Session, tokens: Collection[str]) -> dict[str, MessageFacts]:
    facts: dict[str, MessageFacts] = {}
    rows: list[Any] = []
    tokens = list(tokens)
    m, c = MESSAGE.c, CAMPAIGN.c
    query = select(
        m.track_token, m.id, m.campaign_id, m.contact_id, m.list_id, m.open_mode, m.click_mode,
        m.basis, m.rule_id, m.reason, m.profile, m.deliverability_only, m.sent_at,
        m.personal_destinations, c.measure, c.aggregate_cohort,
    ).select_from(MESSAGE.outerjoin(CAMPAIGN, c.id == m.campaign_id))
    for start in range(0, len(tokens), 5000):
        chunk = tokens[start : start + 5000]
        rows.extend(session.connection().execute(query.where(m.track_token.in_(chunk))).all())
    statics = _static_indexes(session, {r[2] for r in rows if r[2] is not None})
    for (
        token, id_, campaign_id, contact_id, list_id, open_mode, click_mode, basis, rule_id,
        reason, profile, deliverability_only, sent_at, destinations, measure, cohort,
    ) in rows:
        link_count = 0
        if click_mode == PERSONAL:
            own = _own_destinations(destinations)
            link_count = len(statics.get(campaign_id, frozenset()) | own.keys())
        facts[token] = MessageFacts(
            id_, campaign_id, contact_id, list_id, open_mode, click_mode, basis, rule_id, reason,
            profile, bool(deliverability_only), _aware(sent_at), link_count, measure or "none",
            cohort or 0,
        )
    return facts


def load_campaigns(session: Session, tokens: Collection[str]) -> dict[str, CampaignFacts]:
    c = CAMPAIGN.c
    rows = session.connection().execute(
        select(c.aggregate_token, c.id, c.measure, c.aggregate_cohort).where(
            c.aggregate_token.in_(list(tokens))
        )
    ).all()
    statics = _static_indexes(session, {r.id for r in rows})
    return {
        r.aggregate_token: CampaignFacts(
            r.id, r.measure, r.aggregate_cohort, len(statics.get(r.id, frozenset()))
        )
        for r in rows
    }


def _static_indexes(session: Session, campaign_ids: set[int]) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = {cid: set() for cid in campaign_ids}
    if campaign_ids:
        for cid, index in session.connection().execute(
            select(LINK.c.campaign_id, LINK.c.index).where(
                LINK.c.campaign_id.in_(campaign_ids), LINK.c.has_merge_fields.is_(False)
            )
        ):
            found[cid].add(index)
    return {cid: frozenset(indexes) for cid, indexes in found.items()}


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; everything we store is UTC.
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt
