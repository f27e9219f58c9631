"""Docs that cannot drift: every setting and every command is documented (Datasette style)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from consentmail.config.settings import DOCUMENTED

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in DOCUMENTED if f"`{name}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"


def test_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == module.render(), "docs/cli.md is stale: run scripts/gen_cli_docs.py"
