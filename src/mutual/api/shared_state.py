"""What the service's processes share beyond the database: rate-limit counters, a
revocations counter, and each principal's last write position (for reads from standbys),
in Redis when ``MUTUAL_REDIS_URL`` is set.

Without Redis (one process, the default) they stay in this process's memory. With it,
every process counts against the same windows (``limits``' Redis storage), and every
revocation (a token revoked, a session ended) increments one counter that each process
reads before it trusts a cached token or session: a cache entry is used only while the
counter is what it was when the entry was made. A revocation through one process is thus
refused by every other from the next request, with no message to wait for (a
publish-subscribe channel was used before: a request that reached another process
before the message did was still served from its cache).

When Redis cannot be reached, what protects stays on and what serves goes on:

- a write or a call without a token (signing in, applying) is refused with 503
  ``service_unavailable`` rather than admitted past a limit no process can count;
- reads are never rate-limited, so they go on;
- a process that cannot read the revocations counter trusts no cached token or session:
  every request reads the database, which is exact. Sign-in lockouts are rows in the
  database and do not depend on Redis at all;
- with standbys, a principal whose last write position cannot be read from Redis has
  their reads served by the primary (``written_position`` answers "past every standby"),
  so no one misses their own write made through another process.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

REVOCATIONS = "revocations"
# Bounds how long a request waits on an unreachable Redis before it is refused: a
# blackholed host must not hold every write for the kernel's TCP timeout.
TIMEOUT_SECONDS = 1.0
# Keeps the higher of two positions: two processes recording one principal's writes at
# once must not let the earlier write's position replace the later's. (Lua numbers are
# doubles: exact up to 2^53 bytes of WAL.)
_KEEP_HIGHER = """
local known = redis.call('GET', KEYS[1])
if known and tonumber(known) >= tonumber(ARGV[1]) then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
# Where no standby can be: a read after it goes to the primary.
PAST_EVERY_STANDBY = 1 << 64


class SharedState:
    """The rate limits' storage and the revocations counter of one deployment."""

    def __init__(self, url: str | None, *, prefix: str = "mutual") -> None:
        self.url = url
        self._prefix = prefix
        self._redis: Redis | None = None
        # This process's own count, the counter when there is no Redis.
        self._revocations = 0
        self.storage: Storage
        if url is None:
            self.storage = MemoryStorage()
            return
        self._redis = Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        self.storage = RedisStorage(
            "async+" + url,
            implementation="redispy",
            key_prefix=f"{prefix}:limits",
            wrap_exceptions=True,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
        )

    @property
    def _revocations_key(self) -> str:
        return f"{self._prefix}:{REVOCATIONS}"

    async def generation(self) -> int | None:
        """The revocations counter now; None when it cannot be read (cache nothing)."""
        if self._redis is None:
            return self._revocations
        try:
            found = await self._redis.get(self._revocations_key)
            if found is None:
                # A new Redis, or one that lost its data, starts the counter anywhere in a
                # wide range: an entry cached under the old counter's value must not match
                # the new counter when it comes back to that value.
                await self._redis.set(self._revocations_key, secrets.randbits(62), nx=True)
                found = await self._redis.get(self._revocations_key)
        except RedisError:
            # Not logged per request: the rate limits log Redis's absence on writes.
            return None
        return None if found is None else int(found)

    async def announce_revocation(self) -> None:
        """Make every process's cached tokens and sessions stale. A failure is logged: the
        revocation is already in the database, and a process that cannot read the
        counter is not caching."""
        self._revocations += 1
        if self._redis is None:
            return
        try:
            await self._redis.incr(self._revocations_key)
        except RedisError as exc:
            log.warning("could not announce a revocation to the other processes: %s", exc)

    async def remember_written(self, principal: str, position: int, seconds: int) -> None:
        """Tell every process that ``principal`` wrote up to WAL ``position``, for as long
        as a standby in service may not have replayed it (``seconds``). A failure is only
        logged: the other processes, unable to read it either, send that principal's
        reads to the primary."""
        if self._redis is None:
            return
        try:
            await self._redis.eval(
                _KEEP_HIGHER, 1, f"{self._prefix}:written:{principal}", position, seconds
            )
        except RedisError as exc:
            log.warning("could not share a write position with the other processes: %s", exc)

    async def written_position(self, principal: str) -> int | None:
        """The WAL position of ``principal``'s last write through any process (None: none
        recent, or one process only and no Redis)."""
        if self._redis is None:
            return None
        try:
            found = await self._redis.get(f"{self._prefix}:written:{principal}")
        except RedisError as exc:
            log.warning("cannot read write positions, reading from the primary: %s", exc)
            return PAST_EVERY_STANDBY
        return None if found is None else int(found)

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[None]:
        """Close the connections to Redis when the app stops."""
        try:
            yield
        finally:
            if self._redis is not None:
                await self._redis.aclose()
