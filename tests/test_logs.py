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


def test_interaction_tokens_in_gateway_payloads_logged_at_debug_are_redacted(db_path, capsys):
    """Issue 16: at DEBUG discord.py logs every INTERACTION_CREATE payload with its `token`; the
    redactor only caught tokens inside URLs. Through the real client and the fake Discord."""
    import asyncio
    from dataclasses import replace

    import bot as entry
    from tradebot.config import Settings

    from fakediscord import FakeDiscord

    handler = logs.configure("DEBUG")
    tokens = []

    async def main():
        async with FakeDiscord() as fake:
            settings = replace(Settings(db_path=db_path), discord_token=fake.token, delivery_seconds=3600)
            client = entry.build_bot(settings, guild_ready_timeout=0.1, enable_debug_events=True)
            async with fake.run_bot(client):
                for country in ("china", "us", "japan"):
                    interaction = await fake.slash("surplus", {"country": country})
                    tokens.append(interaction.token)
                    await fake.wait_response(interaction)
            return fake.token

    try:
        bot_token = asyncio.run(main())
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    out = capsys.readouterr().out
    assert "INTERACTION_CREATE" in out  # the payloads were logged
    assert not [token for token in tokens if token in out]
    assert bot_token not in out  # IDENTIFY carries it as a `token` field too
