"""Contact import: rows/s into SQLite with validation and ledger events, against a baseline.

Baseline (same process, same file): csv parsing plus email-validator on every address, no
database, which is what a naive importer spends before writing anything. Ratio = import rows/s
over baseline rows/s. Peak RSS shows memory does not grow with the file (compare --rows sizes).
Run: .venv/bin/python bench/bench_import.py [--rows 1000000] [--file export.csv]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from consentmail.contacts.service import import_csv
from consentmail.db import session_scope, upgrade

HEADER = [
    "email", "first_name", "last_name", "country", "language", "newsletter_consent",
    "tracking_consent", "profiling_consent", "consent_date", "consent_source", "consent_ip",
]
PEOPLE = {
    "IT": (["Giulia", "Marco", "Chiara", "Niccolò"], ["Rossi", "Bianchi", "D'Angelo"], "it"),
    "FR": (["Camille", "Léa", "Hugo", "Zoé"], ["Martin", "Dubois", "Lefèvre"], "fr"),
    "DE": (["Lena", "Jonas", "Jürgen", "Mia"], ["Müller", "Schmidt", "Weiß"], "de"),
    "GB": (["Olivia", "Harry", "Isla", "Noah"], ["Smith", "O'Brien", "Taylor"], "en"),
}
DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "posta.example"]
SOURCES = ["signup-form/v3", "checkout", "event-2025-milano", "api"]


def generate(path: Path, rows: int, seed: int = 47887) -> None:
    """A clean export (like gen_contacts.py --clean), written row by row."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        for i in range(rows):
            country = rng.choice(list(PEOPLE))
            firsts, lasts, lang = PEOPLE[country]
            first, last = rng.choice(firsts), rng.choice(lasts)
            local = "".join(c for c in f"{first}.{last}".lower() if c.isascii() and c != "'")
            newsletter = rng.random() < 0.9
            tracking = newsletter and rng.random() < 0.45
            profiling = tracking and rng.random() < 0.5
            yes = {True: "yes", False: "no"}
            out.writerow([
                f"{local}{i}@{rng.choice(DOMAINS)}", first, last, country, lang,
                yes[newsletter], yes[tracking], yes[profiling],
                f"20{rng.randint(19, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice(SOURCES),
                f"203.0.113.{rng.randint(1, 254)}" if rng.random() < 0.6 else "",
            ])


def baseline(path: Path) -> tuple[int, float, float]:
    """Rows, wall seconds, CPU seconds for csv parsing + email-validator on every address."""
    start, cpu = time.perf_counter(), time.process_time()
    rows = invalid = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for cells in reader:
            rows += 1
            try:
                validate_email(cells[0], check_deliverability=False, allow_smtputf8=True)
            except EmailNotValidError:
                invalid += 1
    return rows, time.perf_counter() - start, time.process_time() - cpu


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--file", type=Path, help="import this CSV instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.file
        if source is None:
            source = Path(tmp) / "contacts.csv"
            generate(source, args.rows)
        print(f"file: {source} ({source.stat().st_size / 1e6:.1f} MB)")
        rss_before = peak_rss_mb()
        rows, wall, cpu = baseline(source)
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        start, cpu_start = time.perf_counter(), time.process_time()
        with session_scope(url) as session:
            summary = import_csv(session, source, "bench")
        import_wall, import_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        # Baseline again after the import and the mean of both: a busy machine shifts both.
        _, wall2, cpu2 = baseline(source)
        wall, cpu = (wall + wall2) / 2, (cpu + cpu2) / 2
        done = summary.created + summary.updated + summary.unchanged + len(summary.rejected)
        print(f"baseline  csv + email-validator: {rows:,} rows, {rows / wall:,.0f} rows/s "
              f"({rows / cpu:,.0f} rows/s CPU)")
        print(f"import    validated, stored, ledger: {done:,} rows in {import_wall:.1f} s = "
              f"{done / import_wall:,.0f} rows/s ({done / import_cpu:,.0f} rows/s CPU); "
              f"{summary.events:,} events, {len(summary.rejected)} rejected")
        print(f"ratio     import / baseline: {(done / import_wall) / (rows / wall):.2f} "
              f"(CPU: {(done / import_cpu) / (rows / cpu):.2f})")
        print(f"peak RSS  {peak_rss_mb():.0f} MB (before baseline and import: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
