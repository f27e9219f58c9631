"""Audit of the largest u1/u2 pair in ../shared/corpus/emails, against only parsing it.

Audit = audit_bytes on both copies + audit_pair (trackers, pixels, links, tokens, verdict).
Baseline = what any audit must do at least, with the same libraries in the same process: parse
both messages (email, policy=default), decode the HTML body, parse it with selectolax.
Median of --repeat runs after one warm-up (which also loads the tracker database); ratio =
audit time / baseline time. Target: the pair audited well under one second.
Run: .venv/bin/python bench/bench_audit.py [--repeat N] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from consentmail.audit import audit_bytes, audit_pair, default_db

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "emails"


def largest_pair(corpus: Path) -> tuple[Path, Path]:
    pairs = []
    for first in corpus.glob("*u1.eml"):
        second = first.with_name(first.name.replace("u1.eml", "u2.eml"))
        if second.exists():
            pairs.append((first.stat().st_size + second.stat().st_size, first, second))
    if not pairs:
        sys.exit(f"no u1/u2 pair in {corpus}")
    _, first, second = max(pairs)
    return first, second


def parse_only(data: bytes) -> int:
    msg = message_from_bytes(data, policy=default)
    body = msg.get_body(("html",))
    html = body.get_content() if body is not None else ""
    return len(LexborHTMLParser(html).css("img, a"))


def audit(a: bytes, b: bytes, names: tuple[str, str]) -> str:
    report = audit_pair(audit_bytes(a, source=names[0]), audit_bytes(b, source=names[1]))
    return report.verdict.code


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()

    first, second = largest_pair(args.corpus)
    a, b = first.read_bytes(), second.read_bytes()
    start = time.perf_counter()
    default_db.cache_clear()
    default_db()
    load = time.perf_counter() - start

    baseline = timed(lambda: (parse_only(a), parse_only(b)), args.repeat)
    full = timed(lambda: audit(a, b, (first.name, second.name)), args.repeat)
    verdict = audit(a, b, (first.name, second.name))
    print(f"pair: {first.name} + {second.name} ({(len(a) + len(b)) / 1024:.0f} KiB)")
    print(f"tracker database load (once per process): {load * 1000:.1f} ms")
    print(f"baseline (MIME + HTML parse, both copies): {baseline * 1000:.1f} ms")
    print(f"audit (both copies + pair comparison):     {full * 1000:.1f} ms  -> {verdict}")
    print(f"ratio audit/baseline: {full / baseline:.2f}x (median of {args.repeat})")


if __name__ == "__main__":
    main()
