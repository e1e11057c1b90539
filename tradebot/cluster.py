"""Which part of the work one process does when the bot runs as several (README "Running at scale").

Discord's gateway sharding decides which process owns a server: shard `(guild_id >> 22) %
shard_count` receives its events. A process runs a slice of the shards (`Shards`) and does only
its own servers' work: it answers their commands and delivers their alerts. Its role says
whether it also fetches the sources (`sync`: exactly one process should) or talks to Discord
(`gateway`); `all`, the default, is one process doing everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tradebot.errors import ConfigError, echo

ROLES = ("all", "gateway", "sync")


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that receives a server's events (Discord's rule)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class Shards:
    """A slice of the shards: `ids` out of `count`. None for `count` and `ids`: discord.py asks
    Discord how many shards to run and runs them all."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    @property
    def everything(self) -> bool:
        return self.ids is None

    def owns(self, guild_id: int) -> bool:
        return self.everything or shard_of(guild_id, self.count) in self.ids

    def sql(self, guild_column: str) -> tuple[str, tuple[int, ...]]:
        """A condition that holds for the rows of this slice's servers, and its parameters."""
        if self.everything:
            return "1", ()
        marks = ", ".join("?" for _ in self.ids)
        return f"(({guild_column} >> 22) % ?) IN ({marks})", (self.count, *self.ids)

    @property
    def holds_first(self) -> bool:
        """Whether this slice has shard 0, which also delivers to targets outside Discord (webhooks):
        exactly one process of a complete layout does."""
        return self.everything or 0 in self.ids

    def __str__(self) -> str:
        return "every shard" if self.everything else f"shards {_ranges(self.ids)} of {self.count}"


EVERY_SHARD = Shards()  # one process, or a test: every server is its own


def parse_shards(count: str | int | None, ids: str | None, *, count_name: str = "SHARD_COUNT",
                 ids_name: str = "SHARD_IDS") -> Shards:
    """`count` shards and the `ids` this process runs (`0-3`, `0,2,4-5`; all of them when
    empty). Anything else is a ConfigError naming the setting."""
    text = str(count).strip() if count is not None else ""
    if not text:
        if ids and ids.strip():
            raise ConfigError(f"{ids_name} needs {count_name}: how many shards there are in all.")
        return EVERY_SHARD
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{count_name} must be a whole number of shards, at least 1, not “{echo(text)}”.")
    total = int(text)
    if not ids or not ids.strip():
        return Shards(total, tuple(range(total)))
    chosen: set[int] = set()
    for part in ids.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match or int(match[2] or match[1]) < int(match[1]):
            raise ConfigError(f"{ids_name} lists shard numbers and ranges such as 0-3,6, not “{echo(ids)}”.")
        chosen.update(range(int(match[1]), int(match[2] or match[1]) + 1))
    if max(chosen) >= total:
        raise ConfigError(f"{ids_name} names shard {max(chosen)}, but shards are numbered 0 to {total - 1} "
                          f"when {count_name} is {total}.")
    return Shards(total, tuple(sorted(chosen)))


def parse_role(text: str | None, name: str = "TRADEBOT_ROLE") -> str:
    role = (text or "all").strip().lower()
    if role not in ROLES:
        raise ConfigError(f"{name} must be one of {', '.join(ROLES)}, not “{echo(text)}”.")
    return role


def _ranges(ids: tuple[int, ...]) -> str:
    """0,1,2,3,6 → 0-3,6."""
    runs: list[list[int]] = []
    for shard in ids:
        if runs and shard == runs[-1][-1] + 1:
            runs[-1].append(shard)
        else:
            runs.append([shard])
    return ",".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
