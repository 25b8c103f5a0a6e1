"""Test hosts on one machine: each a Linux network namespace of its own, joined to this
machine by a veth pair (``ip netns`` and ``ip link``, from iproute2; root only), so that
two service processes talk to each other, to the database and to Redis over a network,
not a shared loopback. Nothing leaves this machine: each namespace's one link ends here.

The database and Redis listen on this machine's loopback; a ``Relay`` in the test's own
thread forwards each host's gateway address to them (a dozen lines of asyncio, where a
proxy package would add a daemon to install). A ``Relay`` with two targets is also the
"one address" in front of both hosts, handing connections to each in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True, slots=True)
class Host:
    """A namespace: its name, its own address, and this machine's end of its link."""

    name: str
    address: str
    gateway: str

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the namespace (its network, this machine's files)."""
        return [_ip_command(), "netns", "exec", self.name, *argv]


def _ip_command() -> str:
    found = shutil.which("ip")
    if os.geteuid() != 0 or found is None:
        pytest.fail("test hosts need root and iproute2's `ip` (network namespaces)")
    return found


def _ip(*args: str, check: bool = True) -> None:
    subprocess.run([_ip_command(), *args], check=check, capture_output=True)


@contextlib.contextmanager
def namespaces(count: int) -> Iterator[list[Host]]:
    """``count`` hosts, each on its own /30 of 10.231.0.0/16 (a random block, so that
    runs side by side do not collide), removed afterwards with their links."""
    tag = secrets.token_hex(3)
    block = secrets.randbelow(250)
    hosts: list[Host] = []
    try:
        for i in range(count):
            name, outside, inside = f"mutual-{tag}-{i}", f"mv{tag}{i}a", f"mv{tag}{i}b"
            gateway, address = f"10.231.{block}.{4 * i + 1}", f"10.231.{block}.{4 * i + 2}"
            _ip("netns", "add", name)
            hosts.append(Host(name, address, gateway))
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", name)
            _ip("addr", "add", f"{gateway}/30", "dev", outside)
            _ip("link", "set", outside, "up")
            _ip("-n", name, "addr", "add", f"{address}/30", "dev", inside)
            _ip("-n", name, "link", "set", inside, "up")
            _ip("-n", name, "link", "set", "lo", "up")
        yield hosts
    finally:
        for host in hosts:
            # Deleting the namespace deletes its end of the pair, and so the pair.
            _ip("netns", "del", host.name, check=False)


@dataclass(eq=False)
class Relay:
    """Forwards TCP connections made to ``listen`` to the ``targets`` in turn (one per
    connection), in a thread with its own event loop, so that whatever the test blocks
    on, the hosts still reach the database."""

    listen: tuple[str, int]
    targets: list[tuple[str, int]]
    # Connections handed to each target so far (a test checks both hosts had some).
    handed: list[int] = field(default_factory=list)
    _turn: int = 0
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Relay:
        self.handed = [0] * len(self.targets)
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, self.listen[0], self.listen[1])
            )
            ready.set()
            self._loop.run_forever()
            # Stopped: close the listener and every connection still open, then the loop.
            server.close()
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=run, name=f"relay-{self.listen}", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"the relay on {self.listen} did not start")
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A target that refuses the connection (its process killed) is passed over for
        # the next, as a load balancer redispatches; connections already handed to it
        # are cut, as they would be. With every target down (Redis stopped), the client
        # sees its connection closed.
        for _ in self.targets:
            turn = self._turn % len(self.targets)
            self._turn += 1
            try:
                far_reader, far_writer = await asyncio.open_connection(*self.targets[turn])
            except OSError:
                continue
            self.handed[turn] += 1
            break
        else:
            writer.close()
            return
        try:
            await asyncio.gather(_pipe(reader, far_writer), _pipe(far_reader, writer))
        finally:
            for end in (writer, far_writer):
                end.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()
