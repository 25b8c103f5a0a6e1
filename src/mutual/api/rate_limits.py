"""Rate limits on writes and on what needs no token: per principal and per client
address, in this process (``limits``' fixed windows in memory). Past a limit the answer
is 429 ``too_many_requests`` with ``Retry-After``; nothing is read or written.

Several processes each count their own share, so a territory running N of them allows
up to N times the configured rate; the limits are a guard against floods and guessing,
not a quota.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from mutual.settings import Settings
from mutual.usecases.errors import RateLimited


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = FixedWindowRateLimiter(MemoryStorage())
        self._writes = _per_minute(settings.rate_limit_writes)
        self._address = _per_minute(settings.rate_limit_address_writes)
        self._anonymous = _per_minute(settings.rate_limit_anonymous)

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
