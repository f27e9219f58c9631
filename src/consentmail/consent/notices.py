"""Purposes and their notices: the exact words a person saw when they chose (R12, R16).

A notice is identified by purpose, version and language, and fingerprinted by the SHA-256 of its
UTF-8 text. Once stored it never changes: a consent event points at (version, sha256), so editing
the words would silently change what people agreed to. New words mean a new version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from consentmail.consent._default_notices import DEFAULT_TEXTS, DEFAULT_VERSION
from consentmail.db.models import Notice, utcnow
from consentmail.policy.types import Purpose

FALLBACK_LANGUAGE = "en"
LANGUAGES = ("it", "en", "fr", "de", "es")  # those with default texts and translated pages


@dataclass(frozen=True, slots=True)
class PurposeInfo:
    name: str
    label: str
    description: str


CATALOGUE: dict[str, PurposeInfo] = {
    Purpose.NEWSLETTER.value: PurposeInfo(
        "newsletter", "Newsletter", "Receiving the emails of the lists the person joined."
    ),
    Purpose.TRACKING.value: PurposeInfo(
        "tracking",
        "Individual open and click measurement",
        "A personal pixel and personal links record whether this person opened each email "
        "and which links they clicked (R1, R3, R17).",
    ),
    Purpose.PROFILING.value: PurposeInfo(
        "profiling",
        "Personalisation and segmentation",
        "Using this person's opens and clicks to choose content, frequency and segments (R3, R9).",
    ),
}

_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}$")
MAX_TEXT = 20_000


class NoticeError(ValueError):
    """A notice that cannot be stored: says what is wrong and with which field."""


class NoticeConflict(NoticeError):
    """That purpose/version/language is stored with other text: stored notices never change."""


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_language(language: str | None) -> str:
    """'it-IT', 'IT', 'it_it' -> 'it'; '' stays ''."""
    return re.split(r"[-_]", (language or "").strip().lower(), maxsplit=1)[0]


def _check(purpose: str, version: str, language: str, text: str) -> None:
    if purpose not in CATALOGUE:
        raise NoticeError(f"purpose {purpose!r}: expected one of {', '.join(CATALOGUE)}")
    if not _VERSION.match(version):
        raise NoticeError(
            f"version {version!r}: 1-64 characters, letters, digits and . _ : + - "
            "(e.g. 2026-12-01)"
        )
    if language not in LANGUAGES:
        # Forms and recipient pages speak only these: a notice in another language could never
        # be shown, so no consent could be proved against it (R12, R16).
        raise NoticeError(f"language {language!r}: one of {', '.join(LANGUAGES)}")
    if not text.strip():
        raise NoticeError("text: empty; a notice must say what the person agrees to")
    if len(text) > MAX_TEXT:
        raise NoticeError(f"text: {len(text)} characters, at most {MAX_TEXT}")


def add_notice(session: Session, purpose: str, version: str, language: str, text: str) -> Notice:
    """Store a notice text. Re-adding identical text is a no-op that returns the stored row;
    different text for a stored purpose/version/language raises NoticeError. The caller commits."""
    purpose, version = purpose.strip().lower(), version.strip()
    language = normalise_language(language)
    _check(purpose, version, language, text)
    digest = sha256_of(text)
    existing = session.scalar(
        select(Notice).where(
            Notice.purpose == purpose, Notice.version == version, Notice.language == language
        )
    )
    if existing is not None:
        if existing.sha256 == digest:
            return existing
        raise NoticeConflict(
            f"notice {purpose}/{version}/{language} is already stored with different text "
            f"(sha256 {existing.sha256[:12]}…, new {digest[:12]}…); stored notices never change: "
            "add the new text under a new version"
        )
    notice = Notice(purpose=purpose, version=version, language=language, text=text, sha256=digest)
    session.add(notice)
    session.flush()
    return notice


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    # Natural order, so "v10" follows "v9" and ISO dates sort as dates.
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.findall(r"\d+|\D+", version)
    )


def current_notice(session: Session, purpose: str, language: str | None) -> Notice | None:
    """The latest version of the purpose's notice in `language`, else in English, else None."""
    wanted = normalise_language(language) or FALLBACK_LANGUAGE
    for lang in dict.fromkeys((wanted, FALLBACK_LANGUAGE)):
        rows = session.scalars(
            select(Notice).where(Notice.purpose == purpose, Notice.language == lang)
        ).all()
        if rows:
            return max(rows, key=lambda n: (_version_key(n.version), n.id))
    return None


def notice_for_grant(session: Session, purpose: str, language: str | None) -> Notice:
    """The notice a grant made now refers to. A workspace that never stored notices gets the
    defaults first: a grant must always point at the words shown (law 5)."""
    notice = current_notice(session, purpose, language)
    if notice is None:
        seed_default_notices(session)
        notice = current_notice(session, purpose, language)
    assert notice is not None, purpose
    return notice


def find_notice(session: Session, purpose: str, version: str, sha256: str) -> Notice | None:
    """The stored text a consent event points at (any language with that exact hash)."""
    if not version:
        return None
    return session.scalar(
        select(Notice)
        .where(Notice.purpose == purpose, Notice.version == version, Notice.sha256 == sha256)
        .order_by(Notice.id)
        .limit(1)
    )


def list_notices(
    session: Session, purpose: str | None = None, language: str | None = None
) -> list[Notice]:
    query = select(Notice).order_by(Notice.purpose, Notice.language, Notice.id)
    if purpose:
        query = query.where(Notice.purpose == purpose.strip().lower())
    if language:
        query = query.where(Notice.language == normalise_language(language))
    return list(session.scalars(query))


def seed_default_notices(session: Session) -> int:
    """Store the built-in texts (version DEFAULT_VERSION) that are missing. Returns how many were
    added. Idempotent, also when two processes seed at once (the first grants of a new workspace):
    INSERT ... ON CONFLICT DO NOTHING. A stored text under the same key is left alone."""
    rows: list[dict[str, object]] = []
    for purpose, texts in DEFAULT_TEXTS.items():
        for language, text in texts.items():
            _check(purpose, DEFAULT_VERSION, language, text)
            rows.append({"purpose": purpose, "version": DEFAULT_VERSION, "language": language,
                         "text": text, "sha256": sha256_of(text), "created_at": utcnow()})
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.flush()
    before = session.scalar(select(func.count()).select_from(Notice)) or 0
    session.execute(
        insert(Notice).on_conflict_do_nothing(index_elements=["purpose", "version", "language"]),
        rows,
    )
    return (session.scalar(select(func.count()).select_from(Notice)) or 0) - before


def notice_dict(notice: Notice) -> dict[str, object]:
    return {
        "id": notice.id,
        "purpose": notice.purpose,
        "version": notice.version,
        "language": notice.language,
        "sha256": notice.sha256,
        "text": notice.text,
        "created_at": notice.created_at,
    }
