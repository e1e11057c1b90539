"""Settings from the environment and `.env`, in one typed object. Secrets come only from
the environment and never appear in `repr` (so never in a log line)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from tradebot.cluster import EVERY_SHARD, Shards, parse_role, parse_shards
from tradebot.errors import ConfigError, echo

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_DIR / "data" / "tradebot.db"
SEED_DIR = PROJECT_DIR / "data" / "seed"
GACC_SYNC_CRON = "*/30 1-9 7-14 * *; 20 6 * * *"
CENSUS_SYNC_CRON = "40 12 1-10 * *; */20 13-15 1-10 * *; 50 6 * * *"


@dataclass(frozen=True)
class Settings:
    db_path: Path = DEFAULT_DB
    seed_dir: Path = SEED_DIR
    discord_token: str | None = field(default=None, repr=False)
    census_api_key: str | None = field(default=None, repr=False)  # the Census API's, required since May 2026
    guild_id: int | None = None
    log_level: str | None = None  # None: INFO for the bot, WARNING for the terminal commands
    # TRADEBOT_<SOURCE>_URL (TRADEBOT_IMF_URL, TRADEBOT_GACC_URL): a live source's site or API at
    # another address, a mirror or a test server; a source not named here is fetched from its own
    source_urls: Mapping[str, str] = field(default_factory=dict)
    imf_reporters: tuple[str, ...] = ()  # empty: the default list in tradebot.sync
    # IMF IMTS has no release calendar (DATA_SOURCES.md §1.12): look once a day, early UTC
    imf_sync_cron: str = "15 6 * * *"
    # China Customs publishes its preliminary release about the 7th-14th of the following month,
    # near 03:00 UTC: every 30 minutes in that window, once a day outside it (crontabs, `;` between)
    gacc_sync_cron: str = GACC_SYNC_CRON
    # the Census loads a month after 8:30 ET (12:30-13:30 UTC) on the FT-900 day, early in the
    # second month after it: every 20 minutes from 12:40 to 15:40 UTC on the 1st-10th, daily otherwise
    census_sync_cron: str = CENSUS_SYNC_CRON
    delivery_seconds: float = 30.0
    # the privileged message-content intent: every message in a bot-owned thread is answered,
    # not only those that mention the bot (Discord must have it enabled for the bot too)
    message_content: bool = False
    # running as several processes (README "Running at scale"): the shards this one runs, and
    # whether it talks to Discord (gateway), fetches the sources (sync) or both (all)
    shards: Shards = EVERY_SHARD
    role: str = "all"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `env`, or else the process environment over the project's `.env` file."""
        if env is None:
            env = {**dotenv_values(PROJECT_DIR / ".env"), **os.environ}
        values = {key: value for key, value in env.items() if value not in (None, "")}
        guild = values.get("GUILD_ID", "").strip()
        if guild and not guild.isdigit():
            raise ConfigError(f"GUILD_ID must be a server id (digits only), not “{echo(guild)}”; leave it empty to sync globally.")
        return cls(
            db_path=Path(values.get("TRADEBOT_DB", DEFAULT_DB)),
            seed_dir=Path(values.get("TRADEBOT_SEED_DIR", SEED_DIR)),
            discord_token=values.get("DISCORD_TOKEN"),
            census_api_key=values.get("CENSUS_API_KEY"),
            guild_id=int(guild) if guild else None,
            log_level=values["LOG_LEVEL"].upper() if "LOG_LEVEL" in values else None,
            source_urls={match[1].lower(): value.rstrip("/") for key, value in values.items()
                         if (match := re.fullmatch(r"TRADEBOT_([A-Z]+)_URL", key))},
            imf_sync_cron=values.get("TRADEBOT_IMF_SYNC_CRON", "15 6 * * *"),
            gacc_sync_cron=values.get("TRADEBOT_GACC_SYNC_CRON", GACC_SYNC_CRON),
            census_sync_cron=values.get("TRADEBOT_CENSUS_SYNC_CRON", CENSUS_SYNC_CRON),
            delivery_seconds=_positive_number(values, "TRADEBOT_DELIVERY_SECONDS", 30.0),
            message_content=_switch(values, "MESSAGE_CONTENT_INTENT", False),
            imf_reporters=tuple(code.strip().upper() for code in values.get("TRADEBOT_IMF_REPORTERS", "").split(",") if code.strip()),
            shards=parse_shards(values.get("SHARD_COUNT"), values.get("SHARD_IDS")),
            role=parse_role(values.get("TRADEBOT_ROLE")),
        )


def _positive_number(values: Mapping[str, str], name: str, default: float) -> float:
    text = values.get(name)
    if text is None:
        return default
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not number > 0:
        raise ConfigError(f"{name} must be a positive number of seconds, not “{echo(text)}”.")
    return number


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _switch(values: Mapping[str, str], name: str, default: bool) -> bool:
    text = values.get(name)
    word = (text or "").strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ConfigError(f"{name} must be true or false (also 1/0, yes/no, on/off), not “{echo(text)}”.")
