"""The context of a conversation (a Discord thread, or a console session): the last question
answered, which a follow-up such as "and imports?" inherits. Kept in the database, so a
restart forgets nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from tradebot.query import Query
from tradebot.store import Store

CONTEXT_COLUMNS = ("intent", "reporter", "partner", "period", "currency", "measure", "other", "indicator")


def load(store: Store, thread_id: int) -> Query | None:
    row = store.conn.execute(f"SELECT {', '.join(CONTEXT_COLUMNS)} FROM conversations WHERE thread_id = ?", (thread_id,)).fetchone()
    return Query.from_context(dict(row)) if row else None


def save(store: Store, thread_id: int, query: Query) -> None:
    context = query.as_context()
    values = [context[column] for column in CONTEXT_COLUMNS]
    with store.conn:
        store.conn.execute(
            f"""INSERT OR REPLACE INTO conversations (thread_id, {', '.join(CONTEXT_COLUMNS)}, updated_at)
                VALUES (?, {', '.join('?' for _ in CONTEXT_COLUMNS)}, ?)""",
            (thread_id, *values, datetime.now(UTC).isoformat(timespec="seconds")),
        )


def is_known(store: Store, thread_id: int) -> bool:
    """Whether the thread is one the bot opened (an /ask reply or an alert)."""
    return store.conn.execute("SELECT 1 FROM conversations WHERE thread_id = ?", (thread_id,)).fetchone() is not None
