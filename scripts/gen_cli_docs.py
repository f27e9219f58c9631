"""Writes docs/cli.md from the commands' own --help, so the reference never drifts.

Run: .venv/bin/python scripts/gen_cli_docs.py   (tests/cli/test_docs.py checks it is current)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import typer
from typer.testing import CliRunner

from consentmail.cli import app

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _walk(cmd: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, cmd)]
    commands = getattr(cmd, "commands", None)  # typer bundles its own click: duck-type groups
    if commands:
        for name in sorted(commands):
            found += _walk(commands[name], [*path, name])
    return found


def _help(args: list[str]) -> str:
    env = {"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    result = CliRunner().invoke(app, [*args, "--help"], env=env, prog_name="consentmail")
    lines = [line.rstrip() for line in result.output.splitlines()]
    return "\n".join(lines).strip("\n")


def render() -> str:
    root = typer.main.get_command(app)
    parts = ["# Command reference", "", "Generated from `--help` by scripts/gen_cli_docs.py.", ""]
    for path, _cmd in _walk(root, ["consentmail"]):
        parts += [f"## {' '.join(path)}", "", "```", _help(path[1:]), "```", ""]
    return "\n".join(parts)


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
