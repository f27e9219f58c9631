"""The package's public surface: a sorted __all__ that changes only on purpose."""

from __future__ import annotations

import consentmail.tracking as tracking

EXPECTED = {
    "Actor",
    "Agent",
    "Classification",
    "Delivery",
    "FlushStats",
    "Hit",
    "HitSink",
    "Ingest",
    "Kind",
    "PIXEL",
    "Recording",
    "ResolveError",
    "Resolver",
    "Signals",
    "Target",
    "TrackingApp",
    "classify_batch",
    "classify_hit",
    "read_signals",
}


def test_all_is_sorted_and_exact() -> None:
    assert tracking.__all__ == sorted(tracking.__all__)
    assert set(tracking.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    for name in tracking.__all__:
        assert getattr(tracking, name) is not None
