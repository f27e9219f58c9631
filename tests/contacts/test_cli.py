"""`consentmail contacts import|export|show` through the real command, on a temp database."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentmail.cli.app import app
from consentmail.consent.ledger import NewEvent, record
from consentmail.contacts.service import find_contact
from consentmail.db import session_scope
from tests.contacts.conftest import CONTACT_FIXTURES

runner = CliRunner()
BOM_CRLF = str(CONTACT_FIXTURES / "bom_crlf.csv")


@pytest.fixture(autouse=True)
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)  # the command upgrades it (no-op)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["contacts", *args])
    return result.exit_code, result.output


def test_import_json() -> None:
    code, out = run("import", BOM_CRLF, "--list", "main", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert {k: data[k] for k in ("created", "updated", "unchanged", "kept")} == {
        "created": 8,
        "updated": 1,
        "unchanged": 0,
        "kept": 0,
    }
    assert data["rejected"][0] == {
        "file": BOM_CRLF,
        "line": 5,
        "field": "email",
        "value": "mario.rossi@",
        "reason": "There must be something after the @-sign.",
    }
    code, out = run("import", BOM_CRLF, "--list", "main", "--json")
    assert json.loads(out)["unchanged"] == 9


def test_import_table_shows_duplicate_rows_apart_and_who_is_not_subscribed(
    workspace: Path,
) -> None:
    """Each row shows once: the repeated address is a duplicate row, not "updated" (JSON keeps
    counting it in updated/unchanged, as before); and the contacts left off the list are said."""
    code, out = run("import", BOM_CRLF, "--list", "main")
    assert code == 0, out
    rows = {
        cells[0].strip(): cells[1].strip()
        for line in out.splitlines()
        if len(cells := line.strip("│ ").split("│")) == 2
    }
    assert {k: rows[k] for k in (
        "created", "updated", "unchanged", "duplicate rows (same address earlier in this file)",
    )} == {"created": "8", "updated": "0", "unchanged": "0",
           "duplicate rows (same address earlier in this file)": "1"}
    assert ("duplicate rows that changed their contact: 1 (rows apply in file order, the last "
            "one wins)\n") in out
    no_list = workspace / "no.csv"
    no_list.write_text("email,newsletter_consent\na@example.com,no\nb@example.com,yes\n"
                       "a@example.com,no\n", encoding="utf-8")
    code, out = run("import", str(no_list), "--list", "main", "--dry-run")
    assert code == 0, out
    assert ("not subscribed to main: 1 contacts of this file would not be (newsletter no, "
            "unsubscribed or no newsletter column), so the list's campaigns do not go to "
            "them\n") in out
    code, out = run("import", str(no_list), "--list", "main", "--json")
    data = json.loads(out)
    assert {k: data[k] for k in (
        "created", "unchanged", "duplicates", "duplicates_updated", "not_subscribed",
    )} == {"created": 2, "unchanged": 1, "duplicates": 1, "duplicates_updated": 0,
           "not_subscribed": 1}


def test_import_table_lists_rejected_rows() -> None:
    code, out = run("import", BOM_CRLF, "--list", "main")
    assert code == 0, out
    assert "created" in out and "rejected" in out and "kept" in out
    assert "There must be something after the @-sign." in out
    assert "unknown consent value 'maybe'" in out


def test_rejected_rows_name_the_file_and_quote_it_as_text(workspace: Path) -> None:
    path = workspace / "odd [bold]name.csv"
    path.write_text("email,newsletter_consent\na@example.com,[/]\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["contacts", "import", str(path), "--list", "main"], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 0, result.output
    # Text, not rich markup: the file name and the value appear as they are, and a "[/]" in a
    # cell does not break the table.
    assert f"Rejected rows of {path}" in result.output
    assert "unknown consent value '[/]'" in result.output


def test_import_help_names_every_separator() -> None:
    code, out = run("import", "--help")
    assert code == 0 and "separated by commas, semicolons or tabs" in " ".join(
        out.replace("│", " ").split()
    )


def test_show_gives_null_for_an_unknown_country_like_the_proof(workspace: Path) -> None:
    path = workspace / "bare.csv"
    path.write_text("email,newsletter_consent\nbare@example.com,yes\n", encoding="utf-8")
    assert run("import", str(path), "--list", "main")[0] == 0
    code, out = run("show", "bare@example.com", "--json")
    assert code == 0, out
    details = json.loads(out)
    assert (details["country"], details["language"]) == (None, None)
    code, out = run("show", "bare@example.com")
    assert code == 0 and "None" not in out


def test_show_lists_the_latest_ten_events_with_one_time_format(db_url: str) -> None:
    assert run("import", BOM_CRLF, "--list", "main")[0] == 0
    with session_scope(db_url) as s:
        contact = find_contact(s, "jurgen.fischer9@courrier.example")
        assert contact is not None
        toggles = [
            NewEvent(contact.id, "profiling", "grant" if i % 2 == 0 else "withdraw",
                     datetime(2026, 1, 1 + i, 8, 30, 15, 123456, tzinfo=UTC), "test", "api")
            for i in range(10)
        ]
        ids = [ev.id for ev in record(s, toggles)]
    result = runner.invoke(app, ["contacts", "show", "jurgen.fischer9@courrier.example"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Ledger events (latest 10)" in out
    assert "every event with its evidence: consentmail consent proof " \
           "jurgen.fischer9@courrier.example\n" in out
    shown = [line.split("│")[1:6] for line in out.splitlines()
             if line.startswith("│") and line.split("│")[1].strip().isdigit()]
    assert [[cell.strip() for cell in row] for row in shown] == [
        [str(ev_id), f"2026-01-{1 + i:02d} 08:30 UTC", "profiling",
         "grant" if i % 2 == 0 else "withdraw", "test (api)"]
        for i, ev_id in enumerate(ids)
    ]  # the import's two grants are older than the latest ten
    consent = {cells[0]: cells[1:] for line in out.splitlines()
               if len(cells := [c.strip() for c in line.strip("│").split("│")]) == 4}
    assert consent["tracking"] == ["granted", "2025-10-18 00:00 UTC", "import:bom_crlf.csv"]
    assert consent["profiling"] == ["refused", "2026-01-10 08:30 UTC", "test"]
    # One form for every time: no seconds, no microseconds, always UTC.
    assert not re.search(r"\d\d:\d\d:\d\d", out)


def test_dry_run_then_show_finds_nothing() -> None:
    code, out = run("import", BOM_CRLF, "--list", "main", "--dry-run")
    assert code == 0 and "dry run" in out
    code, out = run("show", "jurgen.fischer9@courrier.example")
    assert code == 1 and "no contact with the address" in out


def test_force_needs_a_source() -> None:
    code, out = run("import", BOM_CRLF, "--list", "main", "--force")
    assert code == 1 and "--force needs --source" in out
    code, out = run("import", BOM_CRLF, "--list", "main", "--source", "x")
    assert code == 1


def test_format_errors_are_clean() -> None:
    code, out = run("import", str(CONTACT_FIXTURES / "no_email.csv"), "--list", "main")
    assert code == 1 and "no email column" in out and "'Vorname'" in out
    code, out = run("import", "missing.csv", "--list", "main")
    assert code == 1 and "no such file" in out
    code, out = run("import", str(CONTACT_FIXTURES), "--list", "main")
    assert code == 1 and "is a directory, not a CSV file" in out


def test_no_data_rows_creates_no_list(workspace: Path) -> None:
    (workspace / "header.csv").write_text("email,newsletter_consent\n", encoding="utf-8")
    (workspace / "empty.csv").write_text("", encoding="utf-8")
    code, out = run("import", str(workspace / "header.csv"), "--list", "main")
    assert code == 1 and "no data rows after the header line" in out
    code, out = run("import", str(workspace / "empty.csv"), "--list", "main")
    assert code == 1 and "empty file" in out
    code, out = run("export", "--list", "main")
    assert code == 1 and "no list named 'main'" in out


def test_ignored_columns_and_no_consent_are_said_once() -> None:
    mailchimp = str(CONTACT_FIXTURES / "mailchimp_subscribed.csv")
    code, out = run("import", mailchimp, "--list", "main")
    assert code == 0, out
    flat = " ".join(out.split())
    assert flat.count("Ignored columns (not read): MEMBER_RATING, LATITUDE, LONGITUDE,") == 1
    assert "no consent column was found" in flat and "nothing was granted" in flat
    code, out = run("import", mailchimp, "--list", "main", "--json")
    data = json.loads(out)
    assert data["ignored_columns"][:3] == ["MEMBER_RATING", "LATITUDE", "LONGITUDE"]
    assert len(data["notes"]) == 1 and data["notes"][0].startswith("no consent column")


def test_export_neutralises_formulas_and_import_restores_them(workspace: Path) -> None:
    (workspace / "evil.csv").write_text(
        'email,first_name,newsletter_consent\nann@example.com,"=HYPERLINK(""http://evil"",'
        '""x"")",yes\n', encoding="utf-8",
    )
    run("import", str(workspace / "evil.csv"), "--list", "main")
    code, out = run("export", "--list", "main")
    assert out.splitlines()[1] == (
        'ann@example.com,"\'=HYPERLINK(""http://evil"",""x"")",,,,subscribed,yes,no,no'
    )
    (workspace / "export.csv").write_text(out, encoding="utf-8")
    code, out = run("import", str(workspace / "export.csv"), "--list", "main", "--json")
    assert json.loads(out)["unchanged"] == 1
    code, out = run("show", "ann@example.com", "--json")
    assert json.loads(out)["first_name"] == '=HYPERLINK("http://evil","x")'


def test_month_first() -> None:
    run("import", BOM_CRLF, "--list", "main", "--month-first")
    code, out = run("show", "MARCO.D_ANGELO8@müller.example", "--json")
    assert code == 0
    details = json.loads(out)
    assert details["email"] == "marco.d_angelo8@müller.example"
    assert {e["at"][:10] for e in details["events"]} == {"2024-01-10"}


def test_export_and_show() -> None:
    run("import", BOM_CRLF, "--list", "main")
    code, out = run("export", "--list", "main")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "email,first_name,last_name,country,language,subscription,"
        "newsletter_consent,tracking_consent,profiling_consent"
    )
    assert lines[1] == (
        "jurgen.fischer9@courrier.example,Jürgen,Fischer,DE,de,subscribed,yes,yes,no"
    )
    assert len(lines) == 9
    assert 'chloe.dubois3@courrier.example,Chloé,"Dubois, Jr.",FR,fr,subscribed,yes,no,yes' in lines
    code, out = run("export", "--list", "nope")
    assert code == 1 and "no list named 'nope'" in out
    code, out = run("show", "  JURGEN.FISCHER9@COURRIER.EXAMPLE ")
    assert code == 0 and "jurgen.fischer9@courrier.example" in out and "granted" in out
    code, out = run("show", "jurgen.fischer9@courrier.example", "--json")
    details = json.loads(out)
    assert details["consent"]["tracking"]["granted"] is True
    assert details["lists"][0]["list"] == "main"
    assert [e["purpose"] for e in details["events"]] == ["newsletter", "tracking"]


def test_exported_list_reimports_unchanged(workspace: Path) -> None:
    run("import", BOM_CRLF, "--list", "main")
    _, out = run("export", "--list", "main")
    path = workspace / "export.csv"
    path.write_text(out, encoding="utf-8")
    code, out = run("import", str(path), "--list", "main", "--json")
    data = json.loads(out)
    assert (data["created"], data["updated"], data["unchanged"], data["rejected"]) == (0, 0, 8, [])
