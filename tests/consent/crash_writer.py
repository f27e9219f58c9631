"""Child process for test_crash.py: records consent changes through the preference page's service
function (`actions.set_preferences`, which commits before returning) in an endless loop, and
prints the id of each event once its transaction has committed. The parent SIGKILLs it.

Run: python -m tests.consent.crash_writer DATABASE_URL PAGE_TOKEN
"""

from __future__ import annotations

import sys

from sqlalchemy import select

from consentmail.consent import actions
from consentmail.db import session_factory
from consentmail.db.models import ConsentEvent


def main(url: str, page_token: str) -> None:
    make = session_factory(url)
    want = True
    while True:
        with make() as session:
            r = actions.find_recipient(session, page_token)
            assert r is not None
            written = actions.set_preferences(session, r, {"tracking": want}, "page")
            assert written == 1
            # Committed by set_preferences: only now is the id reported as durable.
            last = session.scalar(
                select(ConsentEvent.id)
                .where(ConsentEvent.contact_id == r.contact.id)
                .order_by(ConsentEvent.id.desc())
                .limit(1)
            )
        print(last, flush=True)
        want = not want


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
