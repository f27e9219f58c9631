"""Writes docs/cli.md from the commands' own --help, so the reference never drifts.

Run: .venv/bin/python scripts/gen_cli_docs.py   (tests/cli/test_docs.py checks it is current)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import typer

from consentmail.cli import app

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _walk(cmd: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, cmd)]
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            found += _walk(cmd.commands[name], [*path, name])
    return found


def render() -> str:
    root = typer.main.get_command(app)
    parts = ["# Command reference", "", "Generated from `--help` by scripts/gen_cli_docs.py.", ""]
    for path, cmd in _walk(root, ["consentmail"]):
        ctx = click.Context(cmd, info_name=" ".join(path), terminal_width=100)
        parts += [f"## {' '.join(path)}", "", "```", cmd.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(parts)


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
