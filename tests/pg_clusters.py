"""Real PostgreSQL clusters of the test's own: a primary and streaming standbys made with
``pg_basebackup``, on free ports, run as the ``postgres`` user (PostgreSQL refuses root),
stopped, killed and promoted as the tests need. They use the server binaries the
machine's PostgreSQL came with (Debian's /usr/lib/postgresql/<version>/bin)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from load_tests.harness import free_port


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL's server binaries are missing (/usr/lib/postgresql/*/bin)")
    return found[-1].parent


def _as_postgres(*command: str | Path) -> list[str]:
    args = [str(c) for c in command]
    return args if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]


def _run(*command: str | Path) -> None:
    done = subprocess.run(_as_postgres(*command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed: {done.stderr[-2000:]}")


@dataclass(frozen=True)
class Cluster:
    """A cluster, and the database its URLs name (``replace(cluster, database=...)``: the
    same cluster seen from another database)."""

    data: Path
    port: int
    database: str = "postgres"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        _run(
            _bin_dir() / "pg_ctl", "-D", self.data, "-w", "-t", "60", "-l",
            self.data / "server.log", "-o", f"-p {self.port} -k {self.data}", "start",
        )  # fmt: skip

    def running(self) -> bool:
        try:
            os.kill(int((self.data / "postmaster.pid").read_text().split()[0]), 0)
        except (FileNotFoundError, ProcessLookupError):
            return False  # never started, stopped, or killed (its pid file left behind)
        return True

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            _run(_bin_dir() / "pg_ctl", "-D", self.data, "-w", "-m", mode, "stop")

    def restart(self, mode: str = "fast") -> None:
        """Stopped (``fast``: sessions ended, a clean shutdown; ``immediate``: as a crash,
        recovered from the WAL at start) and started again."""
        _run(
            _bin_dir() / "pg_ctl", "-D", self.data, "-w", "-t", "60", "-m", mode, "-l",
            self.data / "server.log", "-o", f"-p {self.port} -k {self.data}", "restart",
        )  # fmt: skip

    def kill(self) -> None:
        """The postmaster killed with SIGKILL, as a crashed host."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise RuntimeError("the killed postmaster did not go away")

    def promote(self) -> None:
        _run(_bin_dir() / "pg_ctl", "-D", self.data, "-w", "promote")


def workspace() -> Path:
    """A folder for clusters, owned by postgres, who runs them; the caller removes it."""
    folder = Path(tempfile.mkdtemp(prefix="mutual-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder


def psql(cluster: Cluster, statement: str) -> str:
    done = subprocess.run(
        [str(_bin_dir() / "psql"), cluster.dsn, "-Atc", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_synchronous(primary: Cluster) -> None:
    """From now on a commit on ``primary`` waits until a standby has flushed it, so an
    acknowledged write survives the primary's loss. (Set once a standby streams: with no
    standby, every commit would wait.)"""
    psql(primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
    psql(primary, "SELECT pg_reload_conf()")


def new_primary(folder: Path) -> Cluster:
    data = folder / "primary"
    _run(_bin_dir() / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
    conf = [
        "listen_addresses = '127.0.0.1'",
        "wal_level = replica",
        "max_wal_senders = 5",
        "hot_standby = on",
    ]
    with (data / "postgresql.conf").open("a") as f:
        f.write("\n".join(conf) + "\n")
    with (data / "pg_hba.conf").open("a") as f:
        f.write("host replication postgres 127.0.0.1/32 trust\n")
    primary = Cluster(data, free_port())
    primary.start()
    return primary


def new_standby(folder: Path, primary: Cluster, name: str) -> Cluster:
    data = folder / name
    _run(
        _bin_dir() / "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U",
        "postgres", "-D", data, "-R", "-X", "stream", "-c", "fast",
    )  # fmt: skip
    with (data / "postgresql.auto.conf").open("a") as f:
        # Named, so that the primary's pg_stat_replication tells the standbys apart.
        f.write(f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres "
                f"application_name={name}'\n")  # fmt: skip
    standby = Cluster(data, free_port())
    standby.start()
    return standby
