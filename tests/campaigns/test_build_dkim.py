"""DKIM wired into the delivery builder: settings, key loading, signed campaign messages."""

from __future__ import annotations

import base64
from pathlib import Path

import dkim
import pytest

from consentmail.campaigns.build import BuildConfig, build_messages, load_dkim_key
from consentmail.campaigns.queue import queue_campaign
from consentmail.config.settings import SettingsError, load_settings
from consentmail.db import session_scope
from consentmail.db.models import Message
from consentmail.delivery import Outgoing
from consentmail.render.dkim import DkimError
from tests.campaigns.support import add_contacts, campaign, page
from tests.render.test_dkim import rsa_key

DKIM_ENV = {
    "CONSENTMAIL_DKIM_SELECTOR": "cm1",
    "CONSENTMAIL_DKIM_DOMAIN": "shop.example",
    "CONSENTMAIL_DKIM_KEY_FILE": "/etc/dkim.pem",
}


def test_settings_take_all_three_or_none(tmp_path: Path) -> None:
    base = {"CONSENTMAIL_DATA_DIR": str(tmp_path), "CONSENTMAIL_API_TOKEN": "t",
            "CONSENTMAIL_SECRET_KEY": "s"}
    assert load_settings(base).dkim_selector is None
    s = load_settings({**base, **DKIM_ENV})
    assert (s.dkim_selector, s.dkim_domain, s.dkim_key_file) == (
        "cm1", "shop.example", Path("/etc/dkim.pem"))
    with pytest.raises(SettingsError, match="CONSENTMAIL_DKIM_KEY_FILE"):
        load_settings({**base, "CONSENTMAIL_DKIM_SELECTOR": "cm1"})


def test_a_missing_or_bad_key_fails_at_start_up(tmp_path: Path) -> None:
    assert load_dkim_key(None, None, None) is None
    with pytest.raises(DkimError, match="nope.pem"):
        load_dkim_key("cm1", "shop.example", tmp_path / "nope.pem")
    bad = tmp_path / "bad.pem"
    bad.write_text("hello")
    with pytest.raises(DkimError, match="PEM"):
        load_dkim_key("cm1", "shop.example", bad)


def test_built_messages_are_signed_and_verify(db_url: str, tmp_path: Path) -> None:
    private, public = rsa_key()
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(private)
    cfg = BuildConfig(
        public_url="https://mail.shop.example", one_click=True, k_min=10,
        default_jurisdiction="strict", dkim=load_dkim_key("cm1", "shop.example", key_file),
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    with session_scope(db_url) as s:
        add_contacts(s, "news", 2)
        c = campaign(s, page('<p>Hi {{ contact.first_name }}</p>'))
        queue_campaign(s, c, k_min=10, default_jurisdiction="strict")
        ids = [m.id for m in s.query(Message).all()]
        built = build_messages(s, cfg, ids)
    assert len(built) == 2
    for item in built:
        assert isinstance(item, Outgoing)
        assert item.data.startswith(b"DKIM-Signature:")
        assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in item.data
        head = item.data.split(b"\r\nFrom:", 1)[0]
        assert b"list-unsubscribe-post" in head.lower().replace(b"\r\n\t", b"").replace(b" ", b"")
        assert dkim.verify(item.data, dnsfunc=lambda name, timeout=5: record)
