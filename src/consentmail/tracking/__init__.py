"""Tracking: open and click endpoints, hit classification, buffered ingest and counters.

Wiring (web app lifespan)::

    resolver = Resolver(settings.database_url)
    ingest = Ingest(settings.database_url, flush_interval=settings.flush_interval,
                    flush_size=settings.flush_size, k_min=settings.k_min)
    app = TrackingApp(resolver, ingest, fallback=fastapi_app)
    # in fastapi_app's lifespan:  async with ingest: yield
"""

from consentmail.tracking.asgi import PIXEL, HitSink, TrackingApp
from consentmail.tracking.classify import (
    Actor,
    Classification,
    Delivery,
    Hit,
    Kind,
    classify_batch,
    classify_hit,
)
from consentmail.tracking.ingest import Ingest
from consentmail.tracking.lookup import Target
from consentmail.tracking.recording import Recording
from consentmail.tracking.resolver import ResolveError, Resolver
from consentmail.tracking.signals import Agent, Signals, read_signals
from consentmail.tracking.tally import FlushStats

__all__ = [
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
]
