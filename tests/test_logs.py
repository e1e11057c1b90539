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


def test_interaction_tokens_in_discord_urls_are_redacted(capsys):
    handler = logs.configure("DEBUG")
    token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpBYmNEZWZHaGlKa2xNbm9Q"
    logging.getLogger("discord.http").debug("POST https://discord.com/api/v10/interactions/1234567890/%s/callback "
                                            "and /webhooks/987654321/%s/messages/@original", token, token)
    out = capsys.readouterr().out
    logging.getLogger().removeHandler(handler)
    assert token not in out
    assert "/interactions/1234567890/[redacted]/callback" in out and "/webhooks/987654321/[redacted]/messages" in out
