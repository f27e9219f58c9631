"""Retention by data class: what is past its time goes, the rest stays, the ledger is never
touched, and each purge is logged with counts only."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import anyio
import pytest
from sqlalchemy import func, select

from consentmail.consent.capture import Signup, submit_signup
from consentmail.consent.notices import seed_default_notices
from consentmail.contacts.service import get_or_create_list
from consentmail.db import session_scope
from consentmail.db.models import (
    AggregateCounter,
    ConsentEvent,
    Contact,
    DeliverabilityDate,
    Engagement,
    Notice,
    PendingSignup,
    RetentionRun,
)
from consentmail.privacy import RetentionTask, run_retention
from consentmail.privacy.retention import CLASSES
from tests.privacy.world import counter, engage, last_open, sent_message
from tests.web.recipients import make_recipient, settings_for

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def _count(url: str, model: type) -> int:
    with session_scope(url) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _world(url: str) -> dict[str, int]:
    """Each class just past and just within its period (defaults: 395 / 90 / 760 days)."""
    ada = make_recipient(url)
    bob = make_recipient(url)
    for days, basis in [(396, "consent:1"), (394, "consent:1"), (396, "legacy:non-objector"),
                        (91, "exemption:security"), (89, "exemption:mandatory")]:
        message, campaign = sent_message(url, ada.contact_id, NOW - timedelta(days=days), basis)
        engage(url, message, campaign, basis, NOW - timedelta(days=days))
    counter(url, campaign, NOW - timedelta(days=761), 12)
    counter(url, campaign, NOW - timedelta(days=759), 12)
    last_open(url, ada.contact_id, (NOW - timedelta(days=91)).date())
    last_open(url, bob.contact_id, (NOW - timedelta(days=90)).date())
    # Hosted-form signups never confirmed: the link lapses after 7 days.
    with session_scope(url) as s:
        seed_default_notices(s)
        lst = get_or_create_list(s, "Signups")
        notice = s.scalar(select(Notice).where(Notice.purpose == "newsletter",
                                               Notice.language == "en"))
        assert notice is not None
        shown = {"newsletter": ("en", notice.version)}
        for name, days in (("lapsed", 8), ("waiting", 6)):
            signup = Signup(email=f"{name}@example.org", purposes=("newsletter",),
                            notices_shown=shown)
            submit_signup(s, lst, signup, now=NOW - timedelta(days=days))
    return {"ada": ada.contact_id, "bob": bob.contact_id}


def test_each_class_is_purged_on_its_own_period(db_url: str, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    people = _world(db_url)
    ledger = _count(db_url, ConsentEvent)
    settings = settings_for(db_url, tmp_path)
    with caplog.at_level(logging.INFO, logger="consentmail.retention"), \
            session_scope(db_url) as s:
        deleted = run_retention(s, settings, NOW)
    # Two rows (open, click) per message: 2 personal messages past 395 days, 1 exemption.
    assert deleted == {
        "personal": 4, "exemption": 2, "deliverability": 1, "aggregate": 1, "unconfirmed": 1,
    }
    with session_scope(db_url) as s:
        bases = sorted(s.scalars(select(Engagement.basis).where(Engagement.kind == "open")))
        assert bases == ["consent:1", "exemption:mandatory"]
        assert s.scalar(select(DeliverabilityDate.contact_id)) == people["bob"]
        assert s.scalar(select(func.count()).select_from(AggregateCounter)) == 1
        assert s.scalar(select(PendingSignup.contact_id)) is not None  # the waiting one
        emails = set(s.scalars(select(Contact.email)))
        assert "waiting@example.org" in emails and "lapsed@example.org" not in emails
        runs = s.execute(select(RetentionRun.data_class, RetentionRun.deleted)).all()
    assert sorted(runs) == sorted(deleted.items())
    assert _count(db_url, ConsentEvent) == ledger  # the proof stays
    lines = [r.getMessage() for r in caplog.records if r.name == "consentmail.retention"]
    assert len(lines) == 5 and "retention: personal: 4 deleted (kept 395 days)" in lines
    for line in lines:
        assert "@" not in line and "consent:" not in line

    with session_scope(db_url) as s:  # idempotent
        assert set(run_retention(s, settings, NOW).values()) == {0}


def test_periods_come_from_the_settings(db_url: str, tmp_path: Path) -> None:
    _world(db_url)
    settings = settings_for(db_url, tmp_path, retention_personal_days=30,
                            retention_exemption_days=1000, retention_aggregate_days=10_000)
    with session_scope(db_url) as s:
        deleted = run_retention(s, settings, NOW)
    # The lapse of an unconfirmed signup is the confirmation link's, not a setting.
    assert deleted == {
        "personal": 6, "exemption": 0, "deliverability": 0, "aggregate": 0, "unconfirmed": 1,
    }


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_scheduled_task_runs_at_start_and_then_every_interval(
    db_url: str, tmp_path: Path, anyio_backend: str
) -> None:
    task = RetentionTask(settings_for(db_url, tmp_path), interval=0.05, clock=lambda: NOW)
    with anyio.move_on_after(1.0):
        while task.runs < 3:
            async with anyio.create_task_group() as tg:
                tg.start_soon(task.run)
                await anyio.sleep(0.3)
                tg.cancel_scope.cancel()
    assert task.runs >= 3
    assert _count(db_url, RetentionRun) == len(CLASSES) * task.runs


def test_serve_runs_the_purge_in_its_lifespan(db_url: str, tmp_path: Path) -> None:
    from tests.e2e.harness import running

    with running(db_url, tmp_path):
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while _count(db_url, RetentionRun) < len(CLASSES) and datetime.now(UTC) < deadline:
            anyio.run(anyio.sleep, 0.05)
    assert _count(db_url, RetentionRun) == len(CLASSES)


def test_interval_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        RetentionTask(settings_for("sqlite://", tmp_path), interval=0)


def test_whole_day_of_a_last_open_date_counts(db_url: str, tmp_path: Path) -> None:
    ada = make_recipient(db_url)
    last_open(db_url, ada.contact_id, date(2027, 3, 3))  # exactly 90 days before NOW's date
    with session_scope(db_url) as s:
        assert run_retention(s, settings_for(db_url, tmp_path), NOW)["deliverability"] == 0
