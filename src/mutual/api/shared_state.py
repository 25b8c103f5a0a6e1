"""What the service's processes share beyond the database: rate-limit counters, the
news that a token or session was revoked, and each principal's last write position (for
reads from standbys), in Redis when ``MUTUAL_REDIS_URL`` is set.

Without Redis (one process, the default) both stay in this process's memory. With it,
every process counts against the same windows (``limits``' Redis storage), and a
revocation is published on one channel that every process listens to, dropping its
token cache at once.

When Redis cannot be reached, what protects stays on and what serves goes on:

- a write or a call without a token (signing in, applying) is refused with 503
  ``service_unavailable`` rather than admitted past a limit no process can count;
- reads are never rate-limited, so they go on;
- while a process is not subscribed (Redis down, or not yet connected) it would not hear
  of a revocation made elsewhere, so it trusts no cached token or session: every request
  reads the database, which is exact. Sign-in lockouts are rows in the database and do
  not depend on Redis at all;
- with standbys, a principal whose last write position cannot be read from Redis has
  their reads served by the primary (``written_position`` answers "past every standby"),
  so no one misses their own write made through another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CHANNEL = "mutual:revoked"
# Bounds how long a request waits on an unreachable Redis before it is refused: a
# blackholed host must not hold every write for the kernel's TCP timeout.
TIMEOUT_SECONDS = 1.0
RECONNECT_SECONDS = 1.0
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
    """The rate limits' storage and the revocation channel of one deployment."""

    def __init__(self, url: str | None, *, prefix: str = "mutual") -> None:
        self.url = url
        self._prefix = prefix
        self._listeners: list[Callable[[], None]] = []
        self._redis: Redis | None = None
        self._subscriber: Redis | None = None
        self.storage: Storage
        if url is None:
            self.storage = MemoryStorage()
            # One process: every revocation is made here, so the cache is always current.
            self.live = True
            return
        self._redis = Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        # The subscription waits for messages as long as none comes, so it has no read
        # timeout; a server that goes away closes the socket, which ends the wait.
        self._subscriber = Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_keepalive=True
        )
        self.storage = RedisStorage(
            "async+" + url,
            implementation="redispy",
            key_prefix=f"{prefix}:limits",
            wrap_exceptions=True,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
        )
        self.live = False

    @property
    def channel(self) -> str:
        return f"{self._prefix}:{CHANNEL}"

    def on_revocation(self, forget: Callable[[], None]) -> None:
        """Call ``forget`` whenever any process announces a revocation (and whenever this
        process may have missed one: on losing or regaining the subscription)."""
        self._listeners.append(forget)

    def _forget(self) -> None:
        for forget in self._listeners:
            forget()

    async def announce_revocation(self) -> None:
        """Tell every process to drop its cached tokens and sessions. A failure is only
        logged: the revocation is already in the database, and a process that cannot
        hear Redis is not caching (see the module's docstring)."""
        self._forget()
        if self._redis is None:
            return
        try:
            await self._redis.publish(self.channel, b"revoked")
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
    async def listening(self) -> AsyncIterator[None]:
        """Keep this process subscribed while the app serves."""
        if self._redis is None or self._subscriber is None:
            yield
            return
        task = asyncio.create_task(self._listen(self._subscriber), name="mutual-revocations")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.live = False
            await self._subscriber.aclose()
            await self._redis.aclose()

    async def _listen(self, redis: Redis) -> None:
        while True:
            try:
                async with redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    # Subscribed from here on: anything revoked before is in the database,
                    # which an emptied cache reads again.
                    self._forget()
                    self.live = True
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._forget()
            except (RedisError, OSError) as exc:
                log.warning("revocations channel lost, caching nothing until back: %s", exc)
            finally:
                self.live = False
                self._forget()
            await asyncio.sleep(RECONNECT_SECONDS)
