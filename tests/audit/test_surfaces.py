"""The thin surfaces over the engine: the public API, `consentmail audit`, `POST /api/audit`."""

from __future__ import annotations

import json
from pathlib import Path

import consentmail.audit as audit
from tests.audit.helpers import OWN

U1, U2 = OWN / "newsletter.u1.eml", OWN / "newsletter.u2.eml"


def test_public_api_is_explicit_and_sorted() -> None:
    assert audit.__all__ == sorted(audit.__all__)
    assert set(audit.__all__) == {
        "VERDICT_LABELS", "AuditReport", "Finding", "NotAnEmail", "OneClickRequest",
        "PersonalToken",
        "Resource", "TrackerDB", "UnsubscribeCheck", "Verdict", "audit_bytes", "audit_html",
        "audit_pair", "check_list_unsubscribe", "compare_pair", "default_db",
        "parse_list_unsubscribe",
    }
    assert all(hasattr(audit, name) for name in audit.__all__)


def _cli():  # type: ignore[no-untyped-def]
    import typer
    from typer.testing import CliRunner

    from consentmail.cli.audit_cmd import audit_command

    app = typer.Typer()
    app.command("audit")(audit_command)

    @app.callback()
    def _root() -> None:
        """Lets `audit` be a sub-command, as in consentmail's app."""

    return CliRunner(), app


def test_cli_text_output_for_a_pair(tmp_path: Path) -> None:
    runner, app = _cli()
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["audit", str(U1), str(U2), "--html", str(out)],
                           env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "tracks individuals without a visible way to refuse" in result.output
    assert "generic_pixel" in result.output and "one-click" in result.output
    page = out.read_text("utf-8")
    assert "<h1>Tracker audit</h1>" in page and "0b62d5e8f913" in page
    assert "<script" not in page


def test_cli_json_output(tmp_path: Path) -> None:
    runner, app = _cli()
    result = runner.invoke(app, ["audit", str(U1), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"]["code"] == "individual" and data["verdict"]["confirmed"] is False
    assert data["unsubscribe"]["one_click"] is True


def test_cli_html_file_and_missing_file(tmp_path: Path) -> None:
    runner, app = _cli()
    page = tmp_path / "body.html"
    page.write_text("<p>Hello</p>", encoding="utf-8")
    result = runner.invoke(app, ["audit", str(page)])
    assert result.exit_code == 0 and "no tracking" in result.output
    missing = runner.invoke(app, ["audit", str(tmp_path / "nope.eml")])
    assert missing.exit_code == 1
    assert "Traceback" not in missing.output


def test_cli_refuses_a_file_that_is_no_email(tmp_path: Path) -> None:
    runner, app = _cli()
    csv = tmp_path / "contacts.csv"
    csv.write_text("email,first_name\nann@example.org,Ann\n", encoding="utf-8")
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    for args, named, why in [
        ([str(csv)], "contacts.csv", "no message headers"),
        ([str(png), "--json"], "logo.png", "a PNG image"),
        ([str(U1), str(csv)], "contacts.csv", "no message headers"),  # the second copy too
    ]:
        result = runner.invoke(app, ["audit", *args], env={"COLUMNS": "200"})
        assert result.exit_code == 1, result.output
        assert result.stdout == ""  # no report, not even an empty one
        assert f"{named}: not an email message: " in result.stderr and why in result.stderr
        assert "no tracking" not in result.output and "Traceback" not in result.output


def test_html_report_escapes_message_content() -> None:
    from consentmail.audit.report_html import render_html

    report = audit.audit_html('<a href="https://t.example/r?url=https://x.example/<script>">x</a>')
    page = render_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_api_audit_single_and_pair() -> None:
    import asyncio

    import httpx
    from fastapi import FastAPI

    from consentmail.web.api_audit import router

    app = FastAPI()
    app.include_router(router)

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            one = await client.post("/api/audit", files={"file": ("u1.eml", U1.read_bytes())})
            assert one.status_code == 200
            assert one.json()["source"] == "u1.eml"
            assert one.json()["verdict"]["confirmed"] is False
            pair = await client.post("/api/audit", files={
                "file": ("u1.eml", U1.read_bytes()), "second": ("u2.eml", U2.read_bytes())})
            data = pair.json()
            assert data["verdict"]["code"] == "individual" and data["verdict"]["confirmed"]
            assert data["second_source"] == "u2.eml"
            assert {t["value_b"] for t in data["personal_tokens"]} >= {"0b62d5e8f913"}
            garbage = await client.post("/api/audit", files={"file": ("x.eml", b"\x00\xff" * 99)})
            assert garbage.status_code == 422
            (error,) = garbage.json()["detail"]
            assert error["loc"] == ["body", "file"]
            assert error["msg"] == "x.eml: not an email message: it looks like binary data"
            csv = b"email,first_name\nann@example.org,Ann\n"
            second = await client.post("/api/audit", files={
                "file": ("u1.eml", U1.read_bytes()), "second": ("contacts.csv", csv)})
            assert second.status_code == 422
            (error,) = second.json()["detail"]
            assert error["loc"] == ["body", "second"]
            assert error["msg"].startswith("contacts.csv: not an email message: no message headers")
            empty = await client.post("/api/audit", files={"file": ("e.html", b"")})
            assert empty.status_code == 422 and "is empty" in empty.json()["detail"][0]["msg"]
            assert (await client.post("/api/audit")).status_code == 422

    asyncio.run(run())
