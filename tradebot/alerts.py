"""Alerts without Discord: subscriptions, and an outbox of deliveries that survives restarts.

The outbox rule: a delivery row exists once per (release, channel); an attempt *claims* the
row before the message is sent (one atomic update: only one process can win it, and the
claim is a lease other processes wait out), and the message id is recorded after. A restart
therefore resends only what never reached the target, and a delivery whose attempt may have
reached it is looked for (from the attempt's start on, by the marker the alert shows) before
any resend. The follow-up thread is owed until recorded, so a crash after the post is
finished by the next run.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tradebot import conversations, countries
from tradebot.cluster import EVERY_SHARD, Shards
from tradebot.periods import Period, PeriodSpec
from tradebot.query import Query
from tradebot.store import Store

ALL_REPORTERS = "*"
DISCORD = "discord"  # the target kind of a Discord channel; another kind needs its own sender
# after a failed attempt, wait this long before the next; then give up
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=6))
# how long a claimed delivery is left to the process that claimed it before another may take
# it over (that process died mid-send): longer than a send with discord.py's own retries
CLAIM_LEASE = timedelta(minutes=2)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Subscription:
    id: int
    guild_id: int
    channel_id: int
    reporter: str  # ISO alpha-3, or "*" for every reporter
    role_id: int | None
    active: bool
    status_note: str
    target_kind: str = DISCORD

    @property
    def covers(self) -> str:
        return "every country" if self.reporter == ALL_REPORTERS else countries.by_code(self.reporter).name


@dataclass(frozen=True)
class Delivery:
    id: int
    event_id: int
    subscription_id: int
    channel_id: int
    attempts: int
    source: str
    reporter: str
    period: Period
    role_id: int | None
    target_kind: str = DISCORD
    attempted_at: datetime | None = None  # when the last attempt began (None: never tried)
    message_id: int | None = None  # the alert's message, once sent

    @property
    def marker(self) -> str:
        """Printed in the alert itself, so a resend can tell whether it already went out."""
        return f"tradebot alert #{self.id}"

    @property
    def nonce(self) -> str:
        return f"tb-alert-{self.id}"  # Discord nonces are at most 25 characters


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(row["id"], row["guild_id"], row["channel_id"], row["reporter"], row["role_id"], bool(row["active"]),
                        row["status_note"] or "", row["target_kind"])


def subscribe(store: Store, guild_id: int, channel_id: int, reporter: str, role_id: int | None, user_id: int,
              target_kind: str = DISCORD) -> Subscription:
    """Subscribe a channel (a target of `target_kind`) to one reporter (or "*"); subscribing
    again updates the role and reactivates it. Only events detected from now on are delivered."""
    with store.conn:
        store.conn.execute(
            """INSERT INTO subscriptions (guild_id, channel_id, reporter, role_id, created_by, created_at, active, status_note,
                                          target_kind)
               VALUES (?, ?, ?, ?, ?, ?, 1, '', ?)
               ON CONFLICT (channel_id, reporter) DO UPDATE SET role_id = excluded.role_id, active = 1, status_note = '',
                   created_by = excluded.created_by,
                   created_at = CASE WHEN subscriptions.active THEN subscriptions.created_at ELSE excluded.created_at END""",
            (guild_id, channel_id, reporter, role_id, user_id, _now(), target_kind),
        )
    row = store.conn.execute("SELECT * FROM subscriptions WHERE channel_id = ? AND reporter = ?", (channel_id, reporter)).fetchone()
    return _subscription(row)


UNSUBSCRIBED = "unsubscribed"


def unsubscribe(store: Store, channel_id: int, reporter: str | None) -> int:
    """End a channel's subscription to `reporter`, or all of them; return how many ended.
    The rows stay (sent deliveries point at them); pending deliveries are dropped."""
    where = "channel_id = ? AND status_note != ?" + ("" if reporter is None else " AND reporter = ?")
    params = (channel_id, UNSUBSCRIBED) if reporter is None else (channel_id, UNSUBSCRIBED, reporter)
    with store.conn:
        store.conn.execute(
            f"DELETE FROM deliveries WHERE status = 'pending' AND subscription_id IN (SELECT id FROM subscriptions WHERE {where})", params
        )
        return store.conn.execute(f"UPDATE subscriptions SET active = 0, status_note = '{UNSUBSCRIBED}' WHERE {where}", params).rowcount


def guild_subscriptions(store: Store, guild_id: int) -> list[Subscription]:
    rows = store.conn.execute(
        "SELECT * FROM subscriptions WHERE guild_id = ? AND status_note != ? ORDER BY channel_id, reporter", (guild_id, UNSUBSCRIBED)
    )
    return [_subscription(row) for row in rows]


def deactivate_channel(store: Store, channel_id: int, reason: str) -> None:
    """The channel is gone or closed to the bot: stop delivering there (not a crash loop)."""
    with store.conn:
        store.conn.execute("UPDATE subscriptions SET active = 0, status_note = ? WHERE channel_id = ?", (reason, channel_id))
        store.conn.execute(
            "UPDATE deliveries SET status = 'failed', last_error = ? WHERE channel_id = ? AND status = 'pending'", (reason, channel_id)
        )


def plan(store: Store) -> int:
    """Create the pending deliveries for announced events and active subscriptions: one per
    (event, channel), and only for events detected after the subscription began. A month
    that arrives under a second source name (a revised label, a second table of the same
    release) is the same news: a channel already given that reporter's period gets nothing."""
    with store.conn:
        return store.conn.execute(
            """INSERT OR IGNORE INTO deliveries (event_id, subscription_id, channel_id, status, attempts, created_at)
               SELECT event_id, subscription_id, channel_id, 'pending', 0, ? FROM (
                 SELECT e.id AS event_id, s.id AS subscription_id, s.channel_id, e.reporter, e.period_start, e.period_end,
                        row_number() OVER (PARTITION BY s.channel_id, e.reporter, e.period_start, e.period_end
                                           ORDER BY e.id, s.reporter = '*') AS nth
                 FROM events AS e JOIN subscriptions AS s
                   ON s.active = 1 AND (s.reporter = '*' OR s.reporter = e.reporter) AND e.detected_at >= s.created_at
                 WHERE e.announce = 1
                   AND e.detected_at >= (SELECT min(created_at) FROM subscriptions WHERE active = 1)) AS candidate
               WHERE nth = 1 AND NOT EXISTS (
                 SELECT 1 FROM deliveries AS d JOIN events AS other ON other.id = d.event_id
                 WHERE d.channel_id = candidate.channel_id AND other.id != candidate.event_id
                   AND other.reporter = candidate.reporter AND other.period_start = candidate.period_start
                   AND other.period_end = candidate.period_end)
               ORDER BY event_id""",
            (_now(),),
        ).rowcount


def due(store: Store, shards: Shards = EVERY_SHARD, limit: int = 50) -> list[Delivery]:
    """Pending deliveries of `shards`' servers whose next attempt is due, oldest event first."""
    owned, params = _owned(shards)
    rows = store.conn.execute(
        _DELIVERY_SELECT + f"""WHERE d.status = 'pending' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?)
           AND {owned} ORDER BY d.event_id, d.id LIMIT ?""",
        (_now(), *params, limit),
    ).fetchall()
    return [_delivery(row) for row in rows]


def threads_due(store: Store, shards: Shards = EVERY_SHARD, limit: int = 50) -> list[Delivery]:
    """Sent deliveries of `shards`' servers whose follow-up thread is still to open (the process
    stopped between)."""
    owned, params = _owned(shards)
    rows = store.conn.execute(_DELIVERY_SELECT + f"WHERE d.status = 'sent' AND d.thread_pending = 1 AND {owned} ORDER BY d.id LIMIT ?",
                              (*params, limit)).fetchall()
    return [_delivery(row) for row in rows]


def _owned(shards: Shards) -> tuple[str, tuple]:
    """Deliveries a process running `shards` makes: its servers' Discord channels (Discord sends
    a server's events to one shard only, and the thread under an alert is the same server's), and
    other kinds of target (webhooks) only in the process holding shard 0, so that one makes them."""
    mine, params = shards.sql("s.guild_id")
    return f"(CASE WHEN s.target_kind = ? THEN {mine} ELSE ? END)", (DISCORD, *params, int(shards.holds_first))


_DELIVERY_SELECT = """SELECT d.id, d.event_id, d.subscription_id, d.channel_id, d.attempts, e.source, e.reporter,
                  e.period_start, e.period_end, s.role_id, s.target_kind, d.attempted_at, d.message_id
           FROM deliveries AS d JOIN events AS e ON e.id = d.event_id JOIN subscriptions AS s ON s.id = d.subscription_id
           """


def _delivery(r: sqlite3.Row) -> Delivery:
    return Delivery(r["id"], r["event_id"], r["subscription_id"], r["channel_id"], r["attempts"], r["source"], r["reporter"],
                    Period.parse(f"{r['period_start']}..{r['period_end']}"), r["role_id"], r["target_kind"],
                    datetime.fromisoformat(r["attempted_at"]) if r["attempted_at"] else None, r["message_id"])


def claim(store: Store, delivery: Delivery) -> bool:
    """Take the delivery for one attempt, before anything is sent: one conditional update, so
    of two processes that read the same due list only one wins it; the lease keeps it out of
    the due list while this attempt runs. False: another process has it, or it is done."""
    now = datetime.now(UTC)
    with store.conn:
        return store.conn.execute(
            """UPDATE deliveries SET attempts = attempts + 1, attempted_at = ?, next_attempt_at = ?
               WHERE id = ? AND status = 'pending' AND attempts = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)""",
            (now.isoformat(timespec="seconds"), (now + CLAIM_LEASE).isoformat(timespec="seconds"), delivery.id,
             delivery.attempts, now.isoformat(timespec="seconds")),
        ).rowcount == 1


def mark_sent(store: Store, delivery: Delivery, message_id: int) -> None:
    """Sent; its follow-up thread is owed until `record_thread` (or `no_thread`)."""
    with store.conn:
        store.conn.execute(
            """UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?, last_error = NULL, next_attempt_at = NULL,
                   thread_pending = 1 WHERE id = ?""",
            (message_id, _now(), delivery.id),
        )


def no_thread(store: Store, delivery: Delivery, reason: str) -> None:
    """The thread cannot be opened (the target has none, or refused): stop owing it."""
    with store.conn:
        store.conn.execute("UPDATE deliveries SET thread_pending = 0, last_error = ? WHERE id = ?", (reason or None, delivery.id))


def give_up(store: Store, delivery: Delivery, error: str) -> None:
    with store.conn:
        store.conn.execute("UPDATE deliveries SET status = 'failed', last_error = ? WHERE id = ?", (error, delivery.id))


def retry_later(store: Store, delivery: Delivery, error: str) -> bool:
    """Schedule the next attempt after a transient failure; False when out of attempts."""
    attempts = delivery.attempts + 1
    if attempts > len(RETRY_DELAYS):
        give_up(store, delivery, error)
        return False
    next_at = (datetime.now(UTC) + RETRY_DELAYS[attempts - 1]).isoformat(timespec="seconds")
    with store.conn:
        store.conn.execute("UPDATE deliveries SET next_attempt_at = ?, last_error = ? WHERE id = ?", (next_at, error, delivery.id))
    return True


def record_thread(store: Store, delivery: Delivery, thread_id: int) -> None:
    """The alert's thread and its context (the reporter's balance for the period), for
    follow-up questions there."""
    with store.conn:
        store.conn.execute("UPDATE deliveries SET thread_id = ?, thread_pending = 0 WHERE id = ?", (thread_id, delivery.id))
    conversations.save(store, thread_id, Query("balance", delivery.reporter, "WLD", PeriodSpec("fixed", delivery.period)))
