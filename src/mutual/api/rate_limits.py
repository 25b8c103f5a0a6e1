"""Rate limits on writes and on what needs no token: per principal and per client
address (``limits``' fixed windows, in the deployment's shared state: this process's
memory, or Redis shared by every process when ``MUTUAL_REDIS_URL`` is set). Past a limit
the answer is 429 ``too_many_requests`` with ``Retry-After``; nothing is read or written.
Counters that cannot be reached refuse the write (503) rather than admit it uncounted.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from litestar.types import Scope

from mutual.api.shared_state import SharedState
from mutual.settings import Settings
from mutual.usecases.errors import RateLimited, SharedStateUnavailable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimits:
    def __init__(self, settings: Settings, shared: SharedState) -> None:
        self._limiter = FixedWindowRateLimiter(shared.storage)
        self._writes = _per_minute(settings.rate_limit_writes)
        self._address = _per_minute(settings.rate_limit_address_writes)
        self._anonymous = _per_minute(settings.rate_limit_anonymous)
        self._trusted: tuple[Network, ...] = tuple(settings.trusted_proxies)

    def address_of(self, scope: Scope) -> str:
        """The client's address: the peer's, or, when the peer is a trusted proxy, the
        nearest address in ``X-Forwarded-For`` that is not itself a trusted proxy."""
        return client_address(scope, self._trusted)

    async def anonymous(self, address: str) -> None:
        await self._hit(self._anonymous, "anonymous", address, "calls without a token")

    async def write(self, principal: str, address: str) -> None:
        await self._hit(self._writes, "principal", principal, "writes by this principal")
        await self._hit(self._address, "address", address, "writes from this address")

    async def _hit(self, item: RateLimitItem | None, kind: str, key: str, what: str) -> None:
        if item is None:
            return
        try:
            if await self._limiter.hit(item, kind, key):
                return
            reset, _ = await self._limiter.get_window_stats(item, kind, key)
        except StorageError as exc:
            raise SharedStateUnavailable(
                "the rate limits shared by the service's processes cannot be reached"
            ) from exc
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
