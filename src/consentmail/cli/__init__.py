"""Command line: thin Typer layer over the services."""

from consentmail.cli.app import app, main

__all__ = ["app", "main"]
