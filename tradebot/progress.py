"""How far long work has got (an import, a live sync, the first build of the store), told to
whoever shows it: a bar at a terminal, a log line now and then elsewhere (`terminal`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """`done` of `total` in `unit` ("bytes", or a plural noun such as "reporters"), and the
    figures read so far."""

    task: str
    done: int
    total: int
    unit: str = "bytes"
    figures: int = 0


Progress = Callable[[Step], None]


def unwatched(step: Step) -> None:
    """The progress of work nobody watches (tests, a caller that shows no progress)."""
