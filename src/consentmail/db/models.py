"""SQLAlchemy models: the system of record. Migrations in db/migrations mirror this file."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments INTEGER PRIMARY KEY; BigInteger elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True)}


class ContactList(Base):
    __tablename__ = "contact_list"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(Base):
    __tablename__ = "contact"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The normalised address (lower-case, IDN domain in Unicode NFC); lookups go through it.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)  # hard bounce
    suppressed_reason: Mapped[str] = mapped_column(Text, default="")
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("contact_id", "list_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    list_id: Mapped[int] = mapped_column(ForeignKey("contact_list.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="subscribed")  # | unsubscribed
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(Text, default="")


class ConsentEvent(Base):
    """Append-only: the database refuses UPDATE and DELETE (triggers in the migration)."""

    __tablename__ = "consent_event"
    __table_args__ = (Index("ix_consent_event_contact_purpose", "contact_id", "purpose", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    purpose: Mapped[str] = mapped_column(String(32))  # newsletter | tracking | profiling
    action: Mapped[str] = mapped_column(String(16))  # grant | withdraw | object | expire
    at: Mapped[datetime]  # when the person made the choice (as evidenced)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(Text)  # "import:signup.csv", "page:stop-tracking", ...
    method: Mapped[str] = mapped_column(String(32))  # import | form | one-click | page | api
    notice_version: Mapped[str] = mapped_column(String(64), default="")
    notice_sha256: Mapped[str] = mapped_column(String(64), default="")
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    ip_truncated: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class ConsentState(Base):
    """Current state per contact and purpose: derived from the ledger in the same transaction."""

    __tablename__ = "consent_state"
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    objected: Mapped[bool] = mapped_column(Boolean, default=False)
    event_id: Mapped[int] = mapped_column(BigId)
    at: Mapped[datetime]


class Campaign(Base):
    __tablename__ = "campaign"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    list_id: Mapped[int | None] = mapped_column(ForeignKey("contact_list.id"), nullable=True)
    subject: Mapped[str] = mapped_column(Text)
    from_addr: Mapped[str] = mapped_column(String(320))
    from_name: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(16), default="marketing")
    measure: Mapped[str] = mapped_column(String(16), default="individual")
    template_name: Mapped[str] = mapped_column(String(300), default="")
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # queued|sending|sent
    # "engaged:N": only the list's engaged segment (profiling consent) is queued; None: the list.
    segment: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Identical for every aggregate recipient of this campaign (law 3).
    aggregate_token: Mapped[str] = mapped_column(String(64), unique=True)
    aggregate_cohort: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CampaignLink(Base):
    __tablename__ = "campaign_link"
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    has_merge_fields: Mapped[bool] = mapped_column(Boolean, default=False)


class Message(Base):
    """One recipient's message: the outbox row and the stored policy decision."""

    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_status_campaign", "status", "campaign_id"),
        UniqueConstraint("campaign_id", "contact_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), nullable=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    list_id: Mapped[int | None] = mapped_column(ForeignKey("contact_list.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    smtp_reply: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[str] = mapped_column(String(80), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message_id_header: Mapped[str] = mapped_column(String(300), default="")
    # Recipient pages (unsubscribe, preferences, stop tracking): random, never the address.
    page_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Personal pixel/link token, present only when the decision allowed personal tracking.
    track_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    open_mode: Mapped[str] = mapped_column(String(16), default="none")
    click_mode: Mapped[str] = mapped_column(String(16), default="none")
    basis: Mapped[str] = mapped_column(String(80), default="none")
    rule_id: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    profile: Mapped[str] = mapped_column(String(40), default="")
    deliverability_only: Mapped[bool] = mapped_column(Boolean, default=False)
    personal_destinations: Mapped[dict] = mapped_column(JSON, default=dict)
    transactional_data: Mapped[dict] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Engagement(Base):
    """Personal opens/clicks of one message: one row per (message, kind, link), repeats counted."""

    __tablename__ = "engagement"
    __table_args__ = (UniqueConstraint("message_id", "kind", "link_index"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"))
    campaign_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    kind: Mapped[str] = mapped_column(String(8))  # open | click
    link_index: Mapped[int] = mapped_column(Integer, default=-1)  # -1 for opens
    basis: Mapped[str] = mapped_column(String(80))
    first_human_at: Mapped[datetime | None] = mapped_column(nullable=True)
    human_hits: Mapped[int] = mapped_column(Integer, default=0)
    machine_hits: Mapped[int] = mapped_column(Integer, default=0)


class AggregateCounter(Base):
    """Anonymous counters: no contact, no message, no IP (law 3)."""

    __tablename__ = "aggregate_counter"
    __table_args__ = (UniqueConstraint("campaign_id", "kind", "link_index", "bucket"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(8))
    link_index: Mapped[int] = mapped_column(Integer, default=-1)
    bucket: Mapped[datetime]  # hour
    human: Mapped[int] = mapped_column(Integer, default=0)
    machine: Mapped[int] = mapped_column(Integer, default=0)


class DeliverabilityDate(Base):
    """fr-cnil-2026 R7: only the date of the last open, overwritten."""

    __tablename__ = "deliverability_date"
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), primary_key=True)
    last_open: Mapped[date] = mapped_column(Date)


class Notice(Base):
    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("purpose", "version", "language"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Workspace settings changed at run time (profile overrides, ...)."""

    __tablename__ = "workspace_setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PermissionRequest(Base):
    """An email asking for a purpose (R10 re-permission) or telling a legacy contact about
    tracking with a simple way to object (R11). Dates the 6-month pause and the objection window."""

    __tablename__ = "permission_request"
    __table_args__ = (Index("ix_permission_request_contact", "contact_id", "purpose", "kind"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="request")  # request | legacy-notice
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)


class PendingSignup(Base):
    """A hosted-form signup waiting for its double opt-in: nothing is granted until confirmed.
    Holds the purposes ticked and the exact notice versions shown (R16), proved at confirmation."""

    __tablename__ = "pending_signup"
    __table_args__ = (Index("ix_pending_signup_contact_list", "contact_id", "list_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # 128 random bits (law 6)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    list_id: Mapped[int] = mapped_column(ForeignKey("contact_list.id", ondelete="CASCADE"))
    purposes: Mapped[list] = mapped_column(JSON, default=list)  # ["newsletter", "tracking"]
    # {purpose: {"version": ..., "sha256": ..., "language": ...}} as shown on the form.
    notices: Mapped[dict] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ip_truncated: Mapped[str] = mapped_column(String(64), default="")  # only if enabled


class RetentionRun(Base):
    """One purge of one data class: counts only, never personal data (issue 5, item 4)."""

    __tablename__ = "retention_run"
    __table_args__ = (Index("ix_retention_run_ran_at", "ran_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ran_at: Mapped[datetime]
    # personal | exemption | aggregate | deliverability
    data_class: Mapped[str] = mapped_column("class", String(32))
    deleted: Mapped[int] = mapped_column(Integer, default=0)
