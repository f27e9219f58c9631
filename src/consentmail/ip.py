"""IP truncation (R21): the one place an address loses its host part before anything keeps it.

A module of its own, free of package imports, so consent capture and contact import can share it.
"""

from __future__ import annotations

import ipaddress
import re

# Dotted quad exactly as ipaddress accepts it: ASCII digits, 0-255, no leading zeros.
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}\Z")


def truncate_ip(value: str) -> str:
    """The IP without its host part: IPv4 last octet zeroed, IPv6 cut to /48. Empty stays ""."""
    text = value.strip()
    if not text:
        return ""
    if m := _IPV4.match(text):
        return f"{m[1]}.{m[2]}.{m[3]}.0"  # the common case, without building objects
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"not an IP address: {text!r}") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
