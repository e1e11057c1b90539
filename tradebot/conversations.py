"""The context of a conversation (a Discord thread, or a console session): the last question
answered, which a follow-up such as "and imports?" inherits. Kept in the database as one JSON
value, so a restart forgets nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from tradebot.query import Query
from tradebot.store import Store


def load(store: Store, thread_id: int) -> Query | None:
    """The thread's context; None when the bot did not open the thread (an /ask reply or an alert)."""
    row = store.conn.execute("SELECT query FROM conversations WHERE thread_id = ?", (thread_id,)).fetchone()
    return Query.from_context(row[0]) if row else None


def save(store: Store, thread_id: int, query: Query) -> None:
    with store.conn:
        store.conn.execute("INSERT OR REPLACE INTO conversations (thread_id, query, updated_at) VALUES (?, ?, ?)",
                           (thread_id, query.context_json(), datetime.now(UTC).isoformat(timespec="seconds")))
