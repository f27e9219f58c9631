"""A database the command cannot reach is one line on stderr and exit code 1, for every command
(it was a 533-line traceback): the password hidden, the driver's reason kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentmail.cli.app import app

COMMANDS = [
    ["init"],
    ["init", "--demo"],
    ["contacts", "show", "a@example.com"],
    ["notices", "list"],
    ["campaigns", "list"],
    ["consent", "verify"],
]


def run(url: str, tmp_path: Path, command: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, command,
        env={"CONSENTMAIL_DATABASE_URL": url, "CONSENTMAIL_DATA_DIR": str(tmp_path / "var"),
             "COLUMNS": "80"},
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_closed_postgresql_port(tmp_path: Path, command: list[str]) -> None:
    code, out = run("postgresql://consentmail:s3cret@127.0.0.1:1/none", tmp_path, command)
    assert (code, out) == (
        1,
        "error: cannot reach the database at postgresql://consentmail:***@127.0.0.1:1/none: "
        "connection refused\n",
    )


@pytest.mark.parametrize("command", [["worker"], ["serve", "--port", "8779"]], ids=" ".join)
def test_long_running_commands_stop_at_once(tmp_path: Path, command: list[str]) -> None:
    """In a process of its own with a timeout: should the check go, they would run on."""
    env = {**os.environ, "CONSENTMAIL_DATABASE_URL": "postgresql://x:pw@127.0.0.1:1/none",
           "CONSENTMAIL_DATA_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "-c", "from consentmail.cli import main; main()", *command],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", "error: cannot reach the database at postgresql://x:***@127.0.0.1:1/none: "
        "connection refused\n",
    )


def test_a_sqlite_file_that_cannot_be_opened(tmp_path: Path) -> None:
    (tmp_path / "db.sqlite").mkdir()  # a folder where the file should be (fails even as root)
    url = f"sqlite:///{tmp_path}/db.sqlite"
    assert run(url, tmp_path, ["contacts", "show", "a@example.com"]) == (
        1, f"error: cannot reach the database at {url}: unable to open database file\n"
    )


def test_a_sqlite_folder_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("not a folder")
    url = f"sqlite:///{tmp_path}/plain-file/consentmail.db"
    assert run(url, tmp_path, ["init"]) == (
        1, f"error: cannot reach the database at {url}: file exists: {tmp_path}/plain-file\n"
    )
