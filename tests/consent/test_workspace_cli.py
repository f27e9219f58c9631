"""Workspace switches and the values the CLI accepts: `consent ip-capture`, notice languages,
policy override countries."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.consent.ip_capture import ip_capture_enabled
from consentmail.consent.overrides import OverrideError, profile_overrides, set_override
from consentmail.db import session_scope
from consentmail.db.models import Notice

runner = CliRunner()


def _ip_capture(db_url: str) -> bool:
    with session_scope(db_url) as s:
        return ip_capture_enabled(s)


def test_ip_capture_is_off_by_default_and_switches(cli_env: str) -> None:
    shown = runner.invoke(cli, ["consent", "ip-capture"])
    assert (shown.exit_code, shown.output) == (0, "ip capture: off (no IP kept)\n")
    assert not _ip_capture(cli_env)
    on = runner.invoke(cli, ["consent", "ip-capture", "on"])
    assert on.output == "ip capture: on (truncated IP kept with consent)\n" and _ip_capture(cli_env)
    assert runner.invoke(cli, ["consent", "ip-capture"]).output.startswith("ip capture: on")
    off = runner.invoke(cli, ["consent", "ip-capture", "OFF"])
    assert off.output == "ip capture: off (no IP kept)\n" and not _ip_capture(cli_env)
    bad = runner.invoke(cli, ["consent", "ip-capture", "maybe"])
    assert bad.exit_code == 1 and "give on or off" in bad.output


def test_import_says_once_that_the_ip_column_was_not_kept(cli_env: str, tmp_path: Path) -> None:
    path = tmp_path / "ips.csv"
    path.write_text(
        "email,newsletter_consent,consent_ip\n"
        "a@example.com,yes,203.0.113.7\nb@example.com,yes,203.0.113.8\n",
        encoding="utf-8",
    )
    out = runner.invoke(cli, ["contacts", "import", str(path), "--list", "news"],
                        env={"COLUMNS": "200"}).output
    assert out.count("consent_ip not kept (2 rows): IP capture is off") == 1
    runner.invoke(cli, ["consent", "ip-capture", "on"])
    again = tmp_path / "more.csv"
    again.write_text("email,newsletter_consent,consent_ip\nc@example.com,yes,203.0.113.9\n",
                     encoding="utf-8")
    out = runner.invoke(cli, ["contacts", "import", str(again), "--list", "news"]).output
    assert "consent_ip not kept" not in out


@pytest.mark.parametrize("language", ["zz", "pt", "english"])
def test_notices_only_in_the_languages_pages_speak(
    cli_env: str, tmp_path: Path, language: str
) -> None:
    f = tmp_path / "n.txt"
    f.write_text("Words.", encoding="utf-8")
    result = runner.invoke(cli, ["notices", "add", "--purpose", "tracking", "--version", "v1",
                                 "--language", language, "--file", str(f)])
    assert result.exit_code == 1
    assert f"language {language!r}: one of it, en, fr, de, es" in result.output
    with session_scope(cli_env) as s:
        assert s.scalars(select(Notice)).all() == []


@pytest.mark.parametrize(
    ("country", "message"),
    [
        ("QQ", "country 'QQ': not an ISO 3166-1 alpha-2 country code, e.g. FR, IT, GB"),
        ("uk", "country 'uk': not an ISO 3166-1 alpha-2 country code; for that country use GB"),
        ("FRA", "country 'FRA': a two-letter ISO 3166-1 code such as FR, IT, GB"),
    ],
)
def test_override_needs_an_iso_country(cli_env: str, country: str, message: str) -> None:
    result = runner.invoke(cli, ["policy", "override", country, "strict"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 1 and message in result.output
    with session_scope(cli_env) as s:
        assert profile_overrides(s) == {}
        with pytest.raises(OverrideError, match="not an ISO 3166-1"):
            set_override(s, "XK", "strict")  # user-assigned, not officially assigned
        assert set_override(s, " fr ", "strict") == "strict"
        assert profile_overrides(s) == {"FR": "strict"}
