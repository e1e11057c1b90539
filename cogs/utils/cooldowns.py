"""Per-user cooldowns on the expensive answers: drawing a chart (/chart, and /ask or a message in
a thread asking for one, which share one bucket), the CSV file behind an answer, and /partners
and /compare (they read every partner's figures: a few a person, then a pause). Set here, in
one place; discord.py's own CooldownMapping keeps one bucket per person and forgets idle ones.

A use is spent only when the expensive work is about to start, after the figures are chosen:
a typo or a "no figures" sentence costs nothing, and /ask questions answered in text are never
limited. A refusal is a CommandOnCooldown, which the single error path (cogs/utils/tree.py)
turns into one private sentence saying when to try again.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

RATE = 1  # uses ...
PER = 10.0  # ... per this many seconds, per person, for charts and for CSV files separately
SURVEY_RATE = 3  # rankings and comparisons: this many per PER seconds, per person


def asker(source: discord.Interaction | discord.Message) -> int:
    """Whose bucket: the user of an interaction, the author of a message."""
    return source.user.id if isinstance(source, discord.Interaction) else source.author.id


class Limits:
    def __init__(self, rate: int = RATE, per: float = PER, survey_rate: int = SURVEY_RATE):
        self.charts: commands.CooldownMapping = commands.CooldownMapping.from_cooldown(rate, per, asker)
        self.csv_files: commands.CooldownMapping = commands.CooldownMapping.from_cooldown(rate, per, asker)
        self.surveys: commands.CooldownMapping = commands.CooldownMapping.from_cooldown(survey_rate, per, asker)


LIMITS = Limits()


def spend(mapping: commands.CooldownMapping, source: discord.Interaction | discord.Message) -> None:
    """Take one use from the asker's bucket, or raise CommandOnCooldown when none is left."""
    bucket = mapping.get_bucket(source)
    retry_after = bucket.update_rate_limit() if bucket is not None else None
    if retry_after:
        raise app_commands.CommandOnCooldown(bucket, retry_after)
