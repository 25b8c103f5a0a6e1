"""How long a background sender waits before trying again (webhooks, e-mail)."""

from __future__ import annotations

import random
from datetime import timedelta


def backoff(attempts: int, *, base_seconds: float, max_seconds: float) -> timedelta:
    """The wait after ``attempts`` failed attempts in a row: base · 2^(attempts - 1),
    capped, times a random factor between 0.5 and 1 so that a receiver coming back up is
    not hit by every retry at once."""
    delay = min(max_seconds, base_seconds * 2.0 ** min(attempts - 1, 64))
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))  # noqa: S311 -- not a secret
