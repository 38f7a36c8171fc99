"""The archive's own address, the scheme and host of every absolute URL it prints.

With a public address (``serve --public-url`` or ``ARCHIVIST_PUBLIC_URL``) every absolute URL
uses it, whatever the request says. Without one, the Host header is used only when it names
this machine (``localhost``, a loopback address) or a name the server was told to answer to
(``serve --host``); any other Host header, hostile or not, gives the local address instead, so
that nothing a client sends is ever written into a link.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

ENV_PUBLIC_URL = "ARCHIVIST_PUBLIC_URL"
LOCAL_NAMES = ("localhost",)
_HOST = re.compile(r"^(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(?P<port>\d{1,5}))?$")


class AddressError(ValueError):
    """A public address that cannot be used, with the reason."""


def public_url(value: str) -> str:
    """A checked public address without its trailing slash (``https://archive.example.org``);
    raises AddressError naming the problem."""
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise AddressError(f"'{value}' is not an http:// or https:// address")
    if not parts.hostname or not _HOST.match(parts.netloc.rsplit("@", 1)[-1]):
        raise AddressError(f"'{value}' has no valid host name")
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise AddressError(f"'{value}': give scheme, host, port and path only")
    return text.rstrip("/")


def is_loopback(name: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.1``, ``[::1]``)."""
    bare = name.strip("[]").lower()
    if bare in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def trusted_host(host: str, allowed: tuple[str, ...] = ()) -> bool:
    """True when a Host header names this machine or an allowed name (any port)."""
    match = _HOST.match(host or "")
    if not match:
        return False
    name = match.group("name").lower()
    return is_loopback(name) or name in {a.lower() for a in allowed}


def base_url(
    configured: str, scheme: str, host: str, allowed: tuple[str, ...], fallback: str
) -> str:
    """The scheme and host for absolute URLs: the public address when one is configured,
    else the request's own when its Host is trusted, else the local ``fallback``."""
    if configured:
        return configured
    if trusted_host(host, allowed):
        return f"{scheme}://{host}"
    return fallback
