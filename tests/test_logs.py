"""Secrets never reach a log line, tracebacks included."""

from __future__ import annotations

import logging

from tradebot import logs

TOKEN = "MTE2NzY1.GhXyZa.fake-token-for-tests-0123456789"


def test_the_token_is_redacted_from_messages_arguments_and_tracebacks(capsys):
    handler = logs.configure("DEBUG", secrets=[TOKEN, None, "short"])
    logger = logging.getLogger("tradebot.test")
    logger.info("connecting with %s", TOKEN)
    try:
        raise RuntimeError(f"bad token {TOKEN}")
    except RuntimeError:
        logger.exception("login failed")
    logger.info("a short secret is not redacted: short")
    out = capsys.readouterr().out
    logging.getLogger().removeHandler(handler)
    assert TOKEN not in out
    assert out.count(logs.REDACTED) == 2  # the message and the exception text
    assert "INFO     tradebot.test: connecting with [redacted]" in out
    assert "a short secret is not redacted: short" in out
