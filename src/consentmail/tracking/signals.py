"""What a tracking request tells about its sender, read in memory and then forgotten (R4, R21).

`read_signals()` turns the client IP and user agent into a few coarse facts. The IP and the user
agent themselves go no further: not into the buffer, not into the database, not into a log.
Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from enum import StrEnum

# Apple's Mail Privacy Protection fetches images from Apple's own network (AS714, 17.0.0.0/8)
# with the bare user agent "Mozilla/5.0" (B2).
APPLE_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)
BARE_AGENT = "mozilla/5.0"

# Image proxies that fetch when the reader opens the message (B3): a human open; their IP is the
# proxy's and says nothing about the reader.
OPEN_PROXIES: tuple[str, ...] = (
    "googleimageproxy",  # Gmail: "... (via ggpht.com GoogleImageProxy)"
    "yahoomailproxy",  # Yahoo Mail
)

# User-agent fragments of machines: HTTP libraries and tools, and the security gateways that
# fetch every link of incoming mail. Lower-case substrings; keep the list short and explained.
SCANNER_AGENTS: tuple[str, ...] = (
    "python-requests",  # scripts and many home-made scanners
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "okhttp",
    "java/",
    "libwww-perl",
    "curl/",
    "wget/",
    "barracuda",  # Barracuda Email Security Gateway link protection
    "mimecast",  # Mimecast URL Protect
    "proofpoint",  # Proofpoint URL Defense / TAP
    "headlesschrome",  # sandboxes that open every link in a scripted browser
    "googlebot",  # crawlers following mail archived on the web
    "bingbot",
)


class Agent(StrEnum):
    """The sender as far as the request shows it."""

    CLIENT = "client"  # a mail client or browser: nothing says otherwise
    APPLE_PROXY = "apple-proxy"  # bare "Mozilla/5.0" from Apple's network: MPP (B2)
    BARE = "bare"  # bare "Mozilla/5.0" elsewhere: a proxy or prefetcher, never a mail client
    OPEN_PROXY = "open-proxy"  # Gmail/Yahoo image proxy: fetches when the reader opens (B3)
    SCANNER = "scanner"  # a known tool or security scanner
    EMPTY = "empty"  # no user agent at all


@dataclass(frozen=True, slots=True)
class Signals:
    """All that is kept of a request until the batch is classified; no IP, no user agent."""

    agent: Agent
    # The SCANNER_AGENTS / OPEN_PROXIES entry that matched (a list entry, never the user agent).
    matched: str = ""
    # Keyed hash of (IP, user agent) with a per-process random key, to group the aggregate
    # clicks of one client within a batch (B1). It is never stored and cannot be reversed.
    client: int = 0


def read_signals(ip: str | None, user_agent: str, *, key: bytes, with_client: bool) -> Signals:
    """Coarse facts about one request. `key` is a secret of the running process, used only to
    group one client's aggregate hits (`with_client`)."""
    agent, matched = _agent(ip, user_agent)
    if not with_client:
        return _shared(agent, matched)
    digest = hashlib.blake2b(
        f"{ip or ''}\x00{user_agent}".encode(errors="replace"), key=key, digest_size=8
    ).digest()
    return Signals(agent, matched, int.from_bytes(digest, "big"))


_SHARED: dict[tuple[Agent, str], Signals] = {}


def _shared(agent: Agent, matched: str) -> Signals:
    """The few possible client-less Signals, built once (the hot path makes one per hit)."""
    signals = _SHARED.get((agent, matched))
    if signals is None:
        signals = _SHARED[(agent, matched)] = Signals(agent, matched)
    return signals


def _agent(ip: str | None, user_agent: str) -> tuple[Agent, str]:
    if len(user_agent) <= 2 * len(BARE_AGENT):  # short: empty or bare, after stripping
        ua = user_agent.strip().lower()
        if not ua:
            return Agent.EMPTY, ""
        if ua == BARE_AGENT:
            return (Agent.APPLE_PROXY, "") if is_apple(ip) else (Agent.BARE, "")
    ua = user_agent.lower()
    for fragment in OPEN_PROXIES:
        if fragment in ua:
            return Agent.OPEN_PROXY, fragment
    for fragment in SCANNER_AGENTS:
        if fragment in ua:
            return Agent.SCANNER, fragment
    return Agent.CLIENT, ""


def is_apple(ip: str | None) -> bool:
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in APPLE_NETWORKS)
