"""Rate limits on writes and on what needs no token: per principal and per client
address, in this process (``limits``' fixed windows in memory). Past a limit the answer
is 429 ``too_many_requests`` with ``Retry-After``; nothing is read or written.

Several processes each count their own share, so a territory running N of them allows
up to N times the configured rate; the limits are a guard against floods and guessing,
not a quota.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from litestar.types import Scope

from mutual.settings import Settings
from mutual.usecases.errors import RateLimited

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = FixedWindowRateLimiter(MemoryStorage())
        self._writes = _per_minute(settings.rate_limit_writes)
        self._address = _per_minute(settings.rate_limit_address_writes)
        self._anonymous = _per_minute(settings.rate_limit_anonymous)
        self._trusted: tuple[Network, ...] = tuple(settings.trusted_proxies)

    def address_of(self, scope: Scope) -> str:
        """The client's address: the peer's, or, when the peer is a trusted proxy, the
        nearest address in ``X-Forwarded-For`` that is not itself a trusted proxy."""
        return client_address(scope, self._trusted)

    def anonymous(self, address: str) -> None:
        self._hit(self._anonymous, "anonymous", address, "calls without a token")

    def write(self, principal: str, address: str) -> None:
        self._hit(self._writes, "principal", principal, "writes by this principal")
        self._hit(self._address, "address", address, "writes from this address")

    def _hit(self, item: RateLimitItem | None, kind: str, key: str, what: str) -> None:
        if item is None or self._limiter.hit(item, kind, key):
            return
        reset, _ = self._limiter.get_window_stats(item, kind, key)
        raise RateLimited(
            f"more than {item.amount} {what} per minute", math.ceil(reset - time.time())
        )


def _per_minute(amount: int) -> RateLimitItem | None:
    return RateLimitItemPerMinute(amount) if amount > 0 else None


def client_address(scope: Scope, trusted: Sequence[Network]) -> str:
    client = scope.get("client")
    peer = "" if client is None else str(client[0])
    if not _within(peer, trusted):
        return peer
    hops = [
        hop.strip()
        for name, value in scope["headers"]
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
        if hop.strip()
    ]
    # Each proxy appends the address it saw: read from the right, past our own proxies;
    # whatever is further left was written by the client and proves nothing.
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _within(address: str, networks: Sequence[Network]) -> bool:
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
