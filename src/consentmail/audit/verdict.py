"""The verdict against REGULATION.md, from the findings, the personal tokens and refusal links.

- individual: a URL differs per recipient (pair), a tracker is present in one copy only (pair:
  the sender learns whether that recipient opened or clicked), a URL carries an address (R19),
  or, with one copy only, a tracker is present whose URL cannot be shown to be the same for
  everyone (presumed);
- aggregate: trackers present, but every one is identical in both copies (R4's condition);
- none: nothing that measures opens or clicks.
A visible "stop tracking" link (R13) turns "individual" into "individual-refusable".
"""

from __future__ import annotations

from collections.abc import Sequence

from consentmail.audit.model import TRACKING, Finding, PersonalToken, Resource, Verdict


def _where(f: Finding | PersonalToken) -> str:
    line = f.line if isinstance(f, Finding) else f.line_a
    return f" (line {line})" if line else ""


def decide(
    findings: Sequence[Finding],
    tokens: Sequence[PersonalToken],
    refusal_links: Sequence[Resource],
    *,
    paired: bool,
) -> Verdict:
    """Verdict code, reasons and the requirements they rest on."""
    tracking = [f for f in findings if f.category in TRACKING]
    personal_tokens = [t for t in tokens if t.purpose == "tracking"]
    reasons: list[str] = []
    requirements: set[str] = set()

    opens = [t for t in personal_tokens if t.auto_loaded]
    clicks = [t for t in personal_tokens if not t.auto_loaded]
    if opens:
        t = opens[0]
        reasons.append(f"{len({x.url_a for x in opens})} URL(s) loaded on open differ per "
                       f"recipient, e.g. {t.part} of {t.url_a}{_where(t)}: a personal pixel")
        requirements |= {"R1", "R3"}
    if clicks:
        t = clicks[0]
        reasons.append(f"{len({x.url_a for x in clicks})} link(s) differ per recipient, e.g. "
                       f"{t.part} of {t.url_a}{_where(t)}: personal click tracking")
        requirements |= {"R1", "R17"}
    one_copy = [f for f in tracking if f.only_in is not None and f.category != "address_in_url"]
    if one_copy:
        f = one_copy[0]
        line = f"line {f.line} of " if f.line else ""
        reasons.append(f"{len(one_copy)} tracker(s) present in one copy only, e.g. {f.url} "
                       f"({line}the {f.only_in} copy, absent from the other): personal to that "
                       "copy's recipient")
        requirements |= {"R1", "R3"} if any(x.auto_loaded for x in one_copy) else set()
        requirements |= {"R1", "R17"} if any(not x.auto_loaded for x in one_copy) else set()
    addresses = [f for f in tracking if f.category == "address_in_url"]
    if addresses:
        reasons.append(f"an email address is in a URL: {addresses[0].url}{_where(addresses[0])}")
        requirements |= {"R19"}
    unknown = [f for f in tracking if f.personal is None]
    if unknown and not paired:
        f = unknown[0]
        reasons.append(f"{len(unknown)} tracker(s) found, e.g. {f.reason}: {f.url}{_where(f)}; "
                       "with one copy they are presumed personal (audit two recipients' copies "
                       "to tell personal from aggregate)")
        requirements |= {"R1", "R17"} if any(not x.auto_loaded for x in unknown) else {"R1"}
    individual = bool(opens or clicks or one_copy or addresses or (unknown and not paired))

    aggregate = [f for f in tracking if f.personal is False]
    if not individual and (aggregate or unknown):
        found = aggregate or unknown
        reasons.append(f"{len(found)} tracker(s), identical in both copies, e.g. {found[0].url}"
                       f"{_where(found[0])}: aggregate measurement at most")
        requirements |= {"R4"}
        return Verdict("aggregate", tuple(reasons), _sorted(requirements), paired)
    if not individual:
        return Verdict("none", ("no pixel, tracked link or per-recipient URL found",), (), paired)
    if refusal_links:
        link = refusal_links[0]
        reasons.append(f"a way to refuse tracking is offered: {link.text or link.url!r}"
                       f"{_where_res(link)}")
        requirements |= {"R13"}
        return Verdict("individual-refusable", tuple(reasons), _sorted(requirements), paired)
    reasons.append("no visible link to stop tracking separate from unsubscribing (R13)")
    requirements |= {"R13"}
    return Verdict("individual", tuple(reasons), _sorted(requirements), paired)


def _sorted(requirements: set[str]) -> tuple[str, ...]:
    return tuple(sorted(requirements, key=lambda r: int(r[1:])))


def _where_res(res: Resource) -> str:
    return f" (line {res.line})" if res.line else ""
