"""Capture services: nothing granted before confirmation, proof on every grant, fields named."""

from __future__ import annotations

import email
import threading
from datetime import UTC, datetime, timedelta, timezone
from email import policy

import pytest
from sqlalchemy import select

from consentmail.consent import NewEvent, record, verify_chain
from consentmail.consent.capture import (
    CaptureConflict,
    CaptureError,
    ExternalConsent,
    Recorded,
    Signup,
    SignupStatus,
    cancel_signup,
    confirm_signup,
    forget_unsent_signup,
    look_up_signup,
    record_external_consent,
    set_ip_capture,
    slugify,
    submit_signup,
    truncate_ip,
)
from consentmail.consent.confirmation_mail import ConfirmationWords, confirmation_message
from consentmail.consent.notices import add_notice, seed_default_notices
from consentmail.contacts.service import get_or_create_list
from consentmail.db import session_scope
from consentmail.db.models import (
    ConsentEvent,
    ConsentState,
    Contact,
    ContactList,
    Notice,
    PendingSignup,
    Subscription,
    utcnow,
)


def _setup(url: str, *, ip: bool = False) -> dict[str, Notice]:
    with session_scope(url) as s:
        seed_default_notices(s)
        get_or_create_list(s, "Café News")
        if ip:
            set_ip_capture(s, True)
        rows = s.scalars(select(Notice).where(Notice.language == "en")).all()
        return {n.purpose: n for n in rows}


def _signup(notices: dict[str, Notice], purposes: tuple[str, ...], **kw: str) -> Signup:
    fields: dict[str, str] = {"email": " Ada@Example.ORG ", "ip": "203.0.113.7", **kw}
    return Signup(
        purposes=purposes,
        notices_shown={p: ("en", n.version) for p, n in notices.items()},
        **fields,  # type: ignore[arg-type]
    )


def _submit(url: str, signup: Signup, **kw: object) -> str:
    with session_scope(url) as s:
        lst = s.scalar(select(ContactList))
        assert lst is not None
        return submit_signup(s, lst, signup, **kw).token  # type: ignore[arg-type]


def _events(url: str) -> list[ConsentEvent]:
    with session_scope(url) as s:
        return list(s.scalars(select(ConsentEvent).order_by(ConsentEvent.id)))


def test_slug_and_ip_truncation() -> None:
    assert slugify("Café News!") == "cafe-news"
    assert slugify("  Weekly__Digest 2026 ") == "weekly-digest-2026"
    assert slugify("ニュース") == "ニュース"
    assert truncate_ip("203.0.113.77") == "203.0.113.0"
    assert truncate_ip("2001:db8:abcd:12:34::1") == "2001:db8:abcd::"
    assert truncate_ip("::ffff:198.51.100.9") == "198.51.100.0"
    with pytest.raises(ValueError):
        truncate_ip("not-an-ip")


def test_submit_grants_nothing(db_url: str) -> None:
    notices = _setup(db_url)
    token = _submit(db_url, _signup(notices, ("newsletter", "tracking"), first_name="Ada"))
    assert len(token) >= 22  # 128 random bits, URL-safe
    assert _events(db_url) == []
    with session_scope(db_url) as s:
        assert s.scalars(select(Subscription)).all() == []
        assert s.scalars(select(ConsentState)).all() == []
        pending = s.scalar(select(PendingSignup))
        assert pending is not None
        assert pending.purposes == ["newsletter", "tracking"]
        assert pending.notices["tracking"]["sha256"] == notices["tracking"].sha256
        assert pending.ip_truncated == ""  # the workspace did not enable it
        contact = s.get(Contact, pending.contact_id)
        assert contact is not None and contact.email == "ada@example.org"


@pytest.mark.parametrize(
    ("purposes", "kw", "field"),
    [
        (("newsletter",), {"email": "ada@@example"}, "email"),
        (("tracking",), {}, "newsletter"),
        (("newsletter", "ads"), {}, "purpose"),
        (("newsletter",), {"language": "xx"}, "language"),
    ],
)
def test_submit_rejections_name_the_field(
    db_url: str, purposes: tuple[str, ...], kw: dict[str, str], field: str
) -> None:
    notices = _setup(db_url)
    with pytest.raises(CaptureError) as err:
        _submit(db_url, _signup(notices, purposes, **kw))
    assert err.value.field == field
    with session_scope(db_url) as s:
        assert s.scalars(select(PendingSignup)).all() == []


def test_submit_refuses_a_notice_version_that_was_never_shown(db_url: str) -> None:
    notices = _setup(db_url)
    signup = _signup(notices, ("newsletter", "tracking"))
    forged = Signup(
        email=signup.email,
        purposes=signup.purposes,
        notices_shown={**signup.notices_shown, "tracking": ("en", "v999")},
    )
    with pytest.raises(CaptureError) as err:
        _submit(db_url, forged)
    assert err.value.field == "notice_tracking"


def test_confirm_records_one_grant_per_ticked_purpose_with_proof(db_url: str) -> None:
    notices = _setup(db_url)
    token = _submit(db_url, _signup(notices, ("newsletter", "tracking")))
    with session_scope(db_url) as s:
        assert look_up_signup(s, token).status is SignupStatus.OPEN
    assert _events(db_url) == []  # looking changes nothing
    with session_scope(db_url) as s:
        view = confirm_signup(s, token, ip="203.0.113.9")
    assert view.status is SignupStatus.CONFIRMED and len(view.event_ids) == 2
    events = _events(db_url)
    assert [e.purpose for e in events] == ["newsletter", "tracking"]  # profiling: silence
    for e in events:
        assert e.action == "grant" and e.method == "double-opt-in"
        assert e.source == "form:cafe-news"
        assert (e.notice_version, e.notice_sha256) == (
            notices[e.purpose].version,
            notices[e.purpose].sha256,
        )
        assert e.evidence["form"] == "cafe-news"
        assert {"submitted_at", "confirmed_at"} <= set(e.evidence)
        assert e.ip_truncated == ""  # off by default
    with session_scope(db_url) as s:
        sub = s.scalar(select(Subscription))
        assert sub is not None and sub.status == "subscribed" and sub.source == "form:cafe-news"
        assert verify_chain(s).ok
        # A second confirmation records nothing more.
        assert confirm_signup(s, token).status is SignupStatus.USED
    assert len(_events(db_url)) == 2


def test_truncated_ip_only_when_the_workspace_enables_it(db_url: str) -> None:
    notices = _setup(db_url, ip=True)
    token = _submit(db_url, _signup(notices, ("newsletter",)))
    with session_scope(db_url) as s:
        confirm_signup(s, token, ip="2001:db8:abcd:12::7")
    [event] = _events(db_url)
    assert event.ip_truncated == "2001:db8:abcd::"
    assert event.evidence["submitted_ip_truncated"] == "203.0.113.0"


def test_ip_switched_off_before_the_confirmation_keeps_none(db_url: str) -> None:
    notices = _setup(db_url, ip=True)
    token = _submit(db_url, _signup(notices, ("newsletter",)))  # kept with the pending signup
    with session_scope(db_url) as s:
        set_ip_capture(s, False)
        confirm_signup(s, token, ip="2001:db8:abcd:12::7")
    [event] = _events(db_url)
    assert event.ip_truncated == ""
    assert "submitted_ip_truncated" not in event.evidence


def test_expired_unknown_and_cancelled(db_url: str) -> None:
    notices = _setup(db_url)
    old = _submit(db_url, _signup(notices, ("newsletter",)), now=utcnow() - timedelta(days=8))
    with session_scope(db_url) as s:
        assert confirm_signup(s, old).status is SignupStatus.EXPIRED
        assert confirm_signup(s, "nope").status is SignupStatus.UNKNOWN
    fresh = _submit(db_url, _signup(notices, ("newsletter",), email="bob@example.org"))
    with session_scope(db_url) as s:
        assert cancel_signup(s, fresh).status is SignupStatus.CANCELLED
        assert confirm_signup(s, fresh).status is SignupStatus.UNKNOWN
        # The contact existed only for that request: it is gone too.
        assert s.scalar(select(Contact).where(Contact.email == "bob@example.org")) is None
    assert _events(db_url) == []


def test_a_second_submit_within_minutes_sends_no_second_mail(db_url: str) -> None:
    notices = _setup(db_url)
    signup = _signup(notices, ("newsletter",))
    start = utcnow()
    with session_scope(db_url) as s:
        lst = s.scalar(select(ContactList))
        assert lst is not None
        first = submit_signup(s, lst, signup, now=start)
        second = submit_signup(s, lst, signup, now=start + timedelta(seconds=5))
        other = _signup(notices, ("newsletter", "tracking"), language="fr")
        third = submit_signup(s, lst, other, now=start + timedelta(minutes=4, seconds=1))
        later = submit_signup(s, lst, signup, now=start + timedelta(minutes=11))
    assert first.send and first.resend_in_minutes == 0
    assert not second.send and second.token == first.token
    # When another may be sent, rounded up: the page says "try again in N min".
    assert second.resend_in_minutes == 10 and third.resend_in_minutes == 6
    assert not third.send and third.language == "en"  # the first request's, kept as it was
    with session_scope(db_url) as s:
        [kept, newer] = s.scalars(select(PendingSignup).order_by(PendingSignup.id)).all()
        assert (kept.purposes, kept.language) == (["newsletter"], "en")  # not the second's
    assert later.send and later.token != first.token and newer.token == later.token


HEADERS = "names are used in mail headers"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Bob\r\nBcc: evil@attacker.example", f"contains a line break (CR); {HEADERS}"),
        ("Bob\nBcc: evil@attacker.example", f"contains a line break (LF); {HEADERS}"),
        ("Bob\x00", f"contains a NUL byte; {HEADERS}"),
        ("B" * 201, "201 characters, at most 200"),
    ],
)
def test_a_name_that_cannot_go_into_a_header_is_refused_before_anything_is_stored(
    db_url: str, name: str, message: str
) -> None:
    notices = _setup(db_url)
    with pytest.raises(CaptureError) as err:
        _submit(db_url, _signup(notices, ("newsletter",), first_name=name))
    assert (err.value.field, err.value.message) == ("first_name", message)
    with session_scope(db_url) as s:
        assert s.scalars(select(PendingSignup)).all() == []
        assert s.scalars(select(Contact)).all() == []
    # The address is not blocked: the same person can subscribe at once with a clean name.
    with session_scope(db_url) as s:
        lst = s.scalar(select(ContactList))
        assert lst is not None
        assert submit_signup(s, lst, _signup(notices, ("newsletter",), first_name="Bob")).send


WORDS = ConfirmationWords(
    language="it", subject="Conferma", greeting="Ciao", intro="Intro", link="Conferma",
    ignore="Ignora", cancel="Non ero io: annulla questa richiesta", unmeasured="Non misurata.",
)


def test_the_confirmation_uses_the_name_typed_now_and_keeps_the_stored_one(db_url: str) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s:
        s.add(Contact(email="ada@example.org", first_name="Adelaide", language="en"))
    with session_scope(db_url) as s:
        lst = s.scalar(select(ContactList))
        assert lst is not None
        submitted = submit_signup(s, lst, _signup(notices, ("newsletter",), first_name=" Ada "))
    assert submitted.first_name == "Ada"
    message = confirmation_message(
        submitted, WORDS, public_url="https://news.example", sender="no-reply@news.example"
    )
    assert b"\r\nTo: Ada <ada@example.org>\r\n" in message.data
    with session_scope(db_url) as s:  # nobody confirmed anything: the stored name stays
        assert s.scalar(select(Contact.first_name)) == "Adelaide"
    with session_scope(db_url) as s:
        lst = s.scalar(select(ContactList))
        assert lst is not None
        blank = submit_signup(
            s, lst, _signup(notices, ("newsletter",), email="eve@example.org", first_name="")
        )
    message = confirmation_message(
        blank, WORDS, public_url="https://news.example", sender="no-reply@news.example"
    )
    assert b"\r\nTo: eve@example.org\r\n" in message.data


def test_the_confirmation_footer_offers_cancel_and_review_in_its_language(db_url: str) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s:
        lst = s.scalar(select(ContactList))
        assert lst is not None
        submitted = submit_signup(s, lst, _signup(notices, ("newsletter",)))
    message = confirmation_message(
        submitted, WORDS, public_url="https://news.example", sender="no-reply@news.example"
    )
    mail = email.message_from_bytes(message.data, policy=policy.default)
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    confirm = f"https://news.example/confirm/{submitted.token}"
    cancel = f"{confirm}?cancel=1&lang=it"
    assert f"Non ero io: annulla questa richiesta: {cancel}\n" in text
    # The person is on no list: the footer's links say they cancel the request and review
    # the choices, not "unsubscribe" and "preferences"; in the email's language.
    assert f"Annulla questa richiesta: {cancel}\n" in text
    assert f"Rivedi le tue scelte: {confirm}\n" in text
    assert "Disiscriviti" not in text and "Preferenze" not in text
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert ">Annulla questa richiesta</a>" in html and ">Rivedi le tue scelte</a>" in html
    assert "/privacy" not in text


def test_an_unsent_confirmation_leaves_nothing_behind(db_url: str) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s:
        lst = s.scalar(select(ContactList))
        assert lst is not None
        submitted = submit_signup(s, lst, _signup(notices, ("newsletter",)))
    with session_scope(db_url) as s:
        forget_unsent_signup(s, submitted.pending_id)
    with session_scope(db_url) as s:
        assert s.scalars(select(PendingSignup)).all() == []
        assert s.scalars(select(Contact)).all() == []


def _external(notices: dict[str, Notice], **kw: object) -> ExternalConsent:
    fields: dict[str, object] = {
        "email": "carla@example.org",
        "purposes": {"newsletter": True, "tracking": True, "profiling": False},
        "notice_versions": {p: n.version for p, n in notices.items()},
        "source": "shop-checkout",
        "language": "en",
        "list_name": "Café News",
        "ip": "198.51.100.23",
    }
    fields.update(kw)
    return ExternalConsent(**fields)  # type: ignore[arg-type]


def test_external_consent_records_proof_and_subscribes(db_url: str) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s:
        result = record_external_consent(s, _external(notices))
    assert result.subscribed and not result.duplicate and len(result.event_ids) == 2
    events = _events(db_url)
    assert [e.purpose for e in events] == ["newsletter", "tracking"]
    for e in events:
        assert (e.source, e.method, e.action) == ("api:shop-checkout", "api", "grant")
        assert e.notice_sha256 == notices[e.purpose].sha256
        assert e.ip_truncated == ""  # not enabled
    with session_scope(db_url) as s:
        assert s.scalar(select(Subscription.status)) == "subscribed"
        # The same request again within a minute: the same ids, nothing new.
        again = record_external_consent(s, _external(notices))
    assert again.duplicate and again.event_ids == result.event_ids
    assert len(_events(db_url)) == 2
    with session_scope(db_url) as s:
        later = record_external_consent(s, _external(notices), now=utcnow() + timedelta(minutes=2))
    assert not later.duplicate and len(_events(db_url)) == 4


def test_a_retry_adding_a_list_or_another_date_is_no_duplicate(db_url: str) -> None:
    """A repeat within a minute is a duplicate only when it is the same request: one that adds
    a list subscribes (it answered "subscribed" and subscribed nobody), and one dated otherwise
    records its own date."""
    notices = _setup(db_url)
    day = datetime(2026, 12, 2, 10, tzinfo=UTC)
    with session_scope(db_url) as s:
        first = record_external_consent(s, _external(notices, list_name=None, collected_at=day))
        listed = record_external_consent(s, _external(notices, collected_at=day))
        same = record_external_consent(s, _external(notices, collected_at=day))
        redated = record_external_consent(
            s, _external(notices, collected_at=day + timedelta(days=1))
        )
    assert (first.subscribed, first.duplicate) == (False, False)
    assert (listed.subscribed, listed.duplicate) == (True, False)
    assert (same.duplicate, same.event_ids) == (True, listed.event_ids)
    assert not redated.duplicate
    with session_scope(db_url) as s:
        assert s.scalar(select(Subscription.status)) == "subscribed"
    assert len(_events(db_url)) == 6


def test_external_consent_keeps_truncated_ip_only_when_enabled(db_url: str) -> None:
    notices = _setup(db_url, ip=True)
    with session_scope(db_url) as s:
        record_external_consent(s, _external(notices))
    assert {e.ip_truncated for e in _events(db_url)} == {"198.51.100.0"}


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"purposes": {"newsletter": True, "ads": True}}, "purposes.ads"),
        ({"notice_versions": {"newsletter": "2026-12-01"}}, "notice_versions.tracking"),
        ({"notice_versions": {"newsletter": "v7", "tracking": "v7"}}, "notice_versions.newsletter"),
        ({"language": "xx"}, "notice_versions.newsletter"),
        ({"source": " "}, "source"),
        ({"list_name": "Nope"}, "list"),
        ({"ip": "300.1.1.1"}, "ip"),
        ({"collected_at": utcnow() + timedelta(days=1)}, "collected_at"),
    ],
)
def test_external_consent_rejections_name_the_field(
    db_url: str, kw: dict[str, object], field: str
) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s, pytest.raises(CaptureError) as err:
        record_external_consent(s, _external(notices, **kw))
    assert err.value.field == field and field in str(err.value)
    assert _events(db_url) == []


def test_external_consent_uses_the_notice_of_the_language_given(db_url: str) -> None:
    _setup(db_url)
    with session_scope(db_url) as s:
        it = add_notice(s, "newsletter", "2027-01", "it", "Newsletter: testo nuovo.")
        version, sha = it.version, it.sha256
    with session_scope(db_url) as s:
        record_external_consent(
            s,
            ExternalConsent(
                email="dario@example.org",
                purposes={"newsletter": True, "tracking": False},
                notice_versions={"newsletter": "2027-01"},
                source="landing",
                language="it-IT",
            ),
        )
    [event] = _events(db_url)
    assert (event.notice_version, event.notice_sha256) == (version, sha)


def test_nothing_granted_records_nothing(db_url: str) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s:
        result = record_external_consent(
            s, _external(notices, purposes={"newsletter": False, "tracking": False})
        )
        assert s.scalar(select(Contact)) is None
    assert result.event_ids == () and not result.subscribed


def _withdraw(url: str, purpose: str, at: datetime) -> None:
    with session_scope(url) as s:
        contact_id = s.scalar(select(Contact.id).where(Contact.email == "carla@example.org"))
        assert contact_id is not None
        record(s, [NewEvent(contact_id, purpose, "withdraw", at, "campaign:1/stop", "web")])


def test_a_grant_collected_before_a_later_withdrawal_is_refused(db_url: str) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s:
        first = datetime(2026, 11, 1, tzinfo=UTC)
        record_external_consent(s, _external(notices, collected_at=first))
    withdrawn = datetime(2026, 12, 4, 17, 6, 12, tzinfo=UTC)
    _withdraw(db_url, "tracking", withdrawn)
    backdated = datetime(2026, 12, 1, 10, tzinfo=UTC)
    late = _external(notices, collected_at=backdated, source="shop-sync")
    with session_scope(db_url) as s, pytest.raises(CaptureConflict) as err:
        record_external_consent(s, late)
    assert err.value.field == "purposes.tracking"
    assert err.value.message == (
        "a later choice is on record: withdraw on 2026-12-04T17:06:12Z; send the current "
        "choice or omit collected_at"
    )
    with session_scope(db_url) as s:
        state = s.get(ConsentState, (s.scalar(select(Contact.id)), "tracking"))
        assert state is not None and not state.granted  # the withdrawal stands
    assert len(_events(db_url)) == 3
    # The same time, a later time, or no collected_at at all (now) are the current choice.
    for at in (withdrawn, withdrawn + timedelta(minutes=1), None):
        with session_scope(db_url) as s:
            again = record_external_consent(
                s, _external(notices, collected_at=at, source=f"shop-{at}"), now=utcnow()
            )
        assert not again.duplicate and len(again.event_ids) == 2


@pytest.mark.parametrize(
    ("collected_at", "message"),
    [
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), "not a representable date"),
        (datetime(1, 1, 1, tzinfo=UTC), "before 2000-01-01: not a plausible consent date"),
        (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
         "before 2000-01-01: not a plausible consent date"),
    ],
)
def test_a_consent_date_before_2000_is_refused(
    db_url: str, collected_at: datetime, message: str
) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s, pytest.raises(CaptureError) as err:
        record_external_consent(s, _external(notices, collected_at=collected_at))
    assert (err.value.field, err.value.message) == ("collected_at", message)
    assert _events(db_url) == []
    with session_scope(db_url) as s:
        first_day = datetime(2000, 1, 1, tzinfo=UTC)
        assert record_external_consent(s, _external(notices, collected_at=first_day)).event_ids


def test_identical_concurrent_requests_record_one_set_of_grants(db_url: str) -> None:
    notices = _setup(db_url)
    with session_scope(db_url) as s:  # known already: no insert of the contact to queue behind
        s.add(Contact(email="carla@example.org"))
    request = _external(notices)
    start = threading.Barrier(8)
    results: list[Recorded] = []

    def send() -> None:
        start.wait()
        with session_scope(db_url) as s:
            results.append(record_external_consent(s, request))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.duplicate for r in results) == [False] + [True] * 7
    assert {r.event_ids for r in results} == {tuple(e.id for e in _events(db_url))}
    assert len(_events(db_url)) == 2
