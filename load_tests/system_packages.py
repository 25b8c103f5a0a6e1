"""Debian packages the project's own scripts install when missing (Chromium for the
browser tests, wrk for the HTTP benchmark): the machines this runs on reach Debian's
package archive, and the scripts run as root there."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def _apt_get(*args: str) -> bool:
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        return False
    done = subprocess.run(
        [apt_get, *args],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )
    return done.returncode == 0


def ensure_package(executable: Path, package: str) -> str | None:
    """``executable``'s path, installing Debian's ``package`` when it is missing and we
    are root; None when it cannot be had. The package lists are refreshed only if a
    first install fails, since on a machine that has them that costs a minute for
    nothing."""
    if executable.exists():
        return str(executable)
    if os.geteuid() == 0:
        install = ("install", "-y", "--no-install-recommends", package)
        if not _apt_get(*install) and _apt_get("update"):
            _apt_get(*install)
    return str(executable) if executable.exists() else None
