"""The machine's speed check printed with every benchmark's figures: this VM's single-core
speed swings by up to 1.8x from one day to the next, so a figure is read with the speed
of its day beside it (and as a ratio of a ceiling or baseline measured in the same run)."""

from __future__ import annotations

import os
import time


def _additions(count: int) -> int:
    total = 0
    for i in range(count):
        total += i
    return total


def speed_check() -> str:
    """Seconds for a plain Python loop of 10 million additions (the best of three), and
    the load average: the line every benchmark prints beside its figures."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        _additions(10_000_000)
        best = min(best, time.perf_counter() - started)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"speed check {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"10 million additions in {best:.2f} s; load average {load}"
    )


if __name__ == "__main__":
    print(speed_check())
