"""Purposes and their notices: the exact words a person saw when they chose (R12, R16).

A notice is identified by purpose, version and language, and fingerprinted by the SHA-256 of its
UTF-8 text. Once stored it never changes: a consent event points at (version, sha256), so editing
the words would silently change what people agreed to. New words mean a new version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import Insert, exists, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from consentmail.consent._default_notices import DEFAULT_TEXTS, DEFAULT_VERSION
from consentmail.consent.ledger import iso_utc
from consentmail.consent.notice_text import MAX_TEXT, NoticeError, text_problem  # re-exported
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
    if (problem := text_problem(text)) is not None:
        raise NoticeError(problem)


def add_notice(session: Session, purpose: str, version: str, language: str, text: str) -> Notice:
    """Store a notice text (see store_notice) and return the stored row."""
    return store_notice(session, purpose, version, language, text)[0]


def store_notice(
    session: Session, purpose: str, version: str, language: str, text: str
) -> tuple[Notice, bool]:
    """Store a notice text; True when it was added, False when the identical text was stored
    already (a no-op). Different text for a stored purpose/version/language raises
    NoticeConflict. The new version is the current one of its purpose and language from now on.
    The caller commits."""
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
            return existing, False
        raise NoticeConflict(
            f"notice {purpose}/{version}/{language} is already stored with different text "
            f"(sha256 {existing.sha256[:12]}…, new {digest[:12]}…); stored notices never change: "
            "add the new text under a new version"
        )
    notice = Notice(purpose=purpose, version=version, language=language, text=text, sha256=digest)
    session.add(notice)
    session.flush()
    return notice, True


def current_notice(session: Session, purpose: str, language: str | None) -> Notice | None:
    """The purpose's current notice in `language`, else in English, else None.

    Current is the version added last, whatever its name: version names follow no order we can
    rely on ("3" after "2026-12-01", "1.1" after "v2"), and picking by name would keep showing
    the old words without a word of warning. To go back to earlier words, add them again under a
    new version."""
    wanted = normalise_language(language) or FALLBACK_LANGUAGE
    for lang in dict.fromkeys((wanted, FALLBACK_LANGUAGE)):
        notice = session.scalar(
            select(Notice)
            .where(Notice.purpose == purpose, Notice.language == lang)
            .order_by(Notice.id.desc())
            .limit(1)
        )
        if notice is not None:
            return notice
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
    """Stored notices, optionally of one purpose and/or language. A filter naming no purpose or
    language a notice can have is a NoticeError (field "purpose" or "language"), not an empty
    list that looks like "none stored"."""
    query = select(Notice).order_by(Notice.purpose, Notice.language, Notice.id)
    if purpose:
        if (wanted := purpose.strip().lower()) not in CATALOGUE:
            raise NoticeError(f"unknown purpose {purpose!r}; expected one of "
                              f"{', '.join(CATALOGUE)}", "purpose")
        query = query.where(Notice.purpose == wanted)
    if language:
        if (lang := normalise_language(language)) not in LANGUAGES:
            raise NoticeError(f"unknown language {language!r}; expected one of "
                              f"{', '.join(LANGUAGES)}", "language")
        query = query.where(Notice.language == lang)
    return list(session.scalars(query))


def current_ids(session: Session) -> set[int]:
    """The id of the current notice of every purpose and language (the one added last)."""
    return set(session.scalars(
        select(func.max(Notice.id)).group_by(Notice.purpose, Notice.language)
    ))


def notice_rows(
    session: Session, purpose: str | None = None, language: str | None = None
) -> list[dict[str, object]]:
    """list_notices as dicts, each saying whether it is the current one of its language."""
    current = current_ids(session)
    return [notice_dict(n, current=n.id in current)
            for n in list_notices(session, purpose, language)]


def seed_default_notices(session: Session) -> int:
    """Store the built-in text (version DEFAULT_VERSION) of every purpose and language that has no
    notice yet; returns how many were added. A purpose and language with a notice of the
    workspace's own keeps it current: a default added later would otherwise replace it.
    Idempotent, also when two processes seed at once (the first grants of a new workspace):
    each row is one INSERT ... SELECT ... WHERE NOT EXISTS."""
    session.flush()
    before = session.scalar(select(func.count()).select_from(Notice)) or 0
    for purpose, texts in DEFAULT_TEXTS.items():
        for language, text in texts.items():
            _check(purpose, DEFAULT_VERSION, language, text)
            _insert_if_none(session, purpose, language, text)
    return (session.scalar(select(func.count()).select_from(Notice)) or 0) - before


def seed_if_no_notices(session: Session) -> int:
    """seed_default_notices on a workspace with no notice at all (a fresh `consentmail init`);
    one that stored any notice chose its words, and gets none added. Returns how many."""
    if session.scalar(select(func.count()).select_from(Notice)):
        return 0
    return seed_default_notices(session)


def _insert_if_none(session: Session, purpose: str, language: str, text: str) -> None:
    """The default row of a purpose and language, unless it has a notice already.

    Not ON CONFLICT DO NOTHING on SQLite: its guard trigger refuses an existing key before any
    conflict clause is looked at (migration 0007)."""
    row = {"purpose": purpose, "version": DEFAULT_VERSION, "language": language, "text": text,
           "sha256": sha256_of(text), "created_at": utcnow()}
    table = Notice.__table__
    values = select(
        *(literal(value, type_=table.c[name].type) for name, value in row.items())
    ).where(~exists().where(Notice.purpose == purpose, Notice.language == language))
    columns = list(row)
    stmt: Insert = insert(Notice).from_select(columns, values)
    if session.get_bind().dialect.name == "postgresql":
        # Two seeders racing on PostgreSQL both see "none": the second one's row is dropped.
        stmt = pg_insert(Notice).from_select(columns, values).on_conflict_do_nothing(
            index_elements=["purpose", "version", "language"]
        )
    session.execute(stmt)


def notice_dict(notice: Notice, *, current: bool) -> dict[str, object]:
    return {
        "id": notice.id,
        "purpose": notice.purpose,
        "version": notice.version,
        "language": notice.language,
        "current": current,
        "sha256": notice.sha256,
        "text": notice.text,
        "created_at": iso_utc(notice.created_at),
    }
