"""Campaign creation refuses bad input up front, naming the field."""

from __future__ import annotations

import pytest

from consentmail.campaigns.compose import CampaignError, CampaignSpec, create_campaign
from consentmail.db import session_scope

HTML = "<html><body><p>Hi {{ contact.first_name }}</p></body></html>"


@pytest.mark.parametrize(
    "from_addr",
    [
        "notanemail",
        "news@",
        "a b@shop.example",
        "news@shop.example\r\nBcc: evil@example.com",
        "Evil <news@shop.example>, other@x.example",
        "",
    ],
)
def test_bad_from_is_refused_at_create(db_url: str, from_addr: str) -> None:
    spec = CampaignSpec(name="x", subject="s", from_addr=from_addr, html=HTML, list_name="news")
    with session_scope(db_url) as s, pytest.raises(CampaignError, match="--from"):
        create_campaign(s, spec)


def test_multiline_sender_name_is_refused(db_url: str) -> None:
    spec = CampaignSpec(
        name="x",
        subject="s",
        from_addr="news@shop.example",
        html=HTML,
        list_name="news",
        from_name="Shop\r\nBcc: evil@example.com",
    )
    with session_scope(db_url) as s, pytest.raises(CampaignError, match="--from-name"):
        create_campaign(s, spec)


def test_template_directory_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from consentmail.campaigns.compose import read_template

    with pytest.raises(CampaignError, match="is a directory"):
        read_template(tmp_path)
