"""The `consentmail` command and its sub-commands."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="consentmail: consent-aware email campaigns.")


def main() -> None:
    app()
