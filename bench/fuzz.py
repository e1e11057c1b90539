"""Fuzz: adversarial inputs through the real bot against the fake Discord, with a loop-lag probe.

    fuzz.py [--cases 12000] [--seed 0] [--in-flight 4] [--users 200] [--out bench/out/fuzz.json]

The inputs are bench/hostile.py's, written by a tester who had not seen the code: slash commands
with hostile options and mentions with hostile text (markdown, masked links, @everyone and raw
mention syntax, zero-width and bidi characters, homoglyphs, NUL, 100 kB strings, SQL and format
strings, impossible periods). They are sent as Discord would send them, except that nothing is
shortened to Discord's length limits (6,000 characters an option, 4,000 a message): the bot gets
what Discord would never send too. An option value the fake Discord cannot encode (a role that
does not exist, an integer given for a string) is left out, as Discord's client would.

`--users` people share the cases, so the per-person limits on charts and rankings are the real
ones (not raised) and mostly let the answers through. A probe that sleeps 5 ms measures how late
the event loop wakes it, all through the run. It counts, and prints as one JSON line:

- tracebacks: log records with an exception or at ERROR and above, and exceptions no task retrieved;
- unanswered: interactions with no callback within 3 s (Discord's deadline) or none at all,
  and mentions with no reply (a second "slow down" in one wait is skipped by design, so a few can be
  that: with `--users` as large as `--cases` nobody is limited and none may be left; examples listed);
- pings: what Discord would notify, from each message's content and the `allowed_mentions` the bot
  sent (@everyone/@here, users, roles, the replied-to author);
- unescaped: public replies (not ephemeral) that carry one of the asker's own markdown spans
  verbatim (a masked link, **bold**, a spoiler, a code span, a heading, a quote …), or any masked
  link to the tester's domain;
- loop lag p50/p99/max.

Everything runs in one process and one event loop, as in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH.parent / "tests"))
sys.path.insert(0, str(BENCH))

import hostile  # noqa: E402

EPHEMERAL = 64
DEADLINE = 3.0  # seconds Discord gives an interaction to be answered
REPLY_WAIT = 10.0  # how long a mention's reply is waited for
# Markdown a user may type that, echoed verbatim, would render in a public reply
SPANS = [
    re.compile(pattern, re.DOTALL) for pattern in (
        r"\[[^\]\n]*\]\([^)\s]+[^)]*\)",  # masked link
        r"\*\*[^*\n]+\*\*", r"__[^_\n]+__", r"~~[^~\n]+~~", r"\|\|[^|\n]+\|\|", r"`[^`\n]+`", r"```.+?```",
        r"(?m)^#{1,3} \S.*$", r"(?m)^-# \S.*$", r"(?m)^>{1,3} \S.*$",
        r"<@[!&]?\d+>", r"<#\d+>", r"</[\w -]+:\d+>", r"<t:-?\d+(?::[tTdDfFR])?>", r"@everyone", r"@here",
    )
]
EVIL_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(<?https?://evil\.example")


def user_spans(text: str) -> set[str]:
    return {match.group(0) for pattern in SPANS for match in pattern.finditer(text) if len(match.group(0)) >= 4}


def rendered_text(payload: dict) -> str:
    """What Discord renders as markdown in a message: content, and embed title, description and fields."""
    parts = [payload.get("content") or ""]
    for embed in payload.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or []:
            parts += [field.get("name") or "", field.get("value") or ""]
    return "\n".join(parts)


def pings(payload: dict, default_allowed: dict) -> list[str]:
    """Who Discord would notify for this message, by its allowed_mentions rules."""
    content = payload.get("content") or ""
    allowed = payload.get("allowed_mentions", default_allowed) or {}
    parse = set(allowed.get("parse") or [])
    out = []
    if "everyone" in parse and re.search(r"@(everyone|here)", content):
        out.append("everyone")
    for kind, pattern, key in (("users", r"<@!?(\d+)>", "users"), ("roles", r"<@&(\d+)>", "roles")):
        for found in re.findall(pattern, content):
            if kind in parse or found in {str(x) for x in allowed.get(key) or []}:
                out.append(f"{kind}:{found}")
    if allowed.get("replied_user") and payload.get("message_reference"):
        out.append("replied_user")
    return out


def message_payload(request) -> dict | None:
    """The message a bot request creates or edits, if it is one (callbacks wrap it in `data`)."""
    body = request.json or {}
    if request.path.startswith("/interactions/"):
        return body.get("data") if body.get("type") in (4, 7) else None
    if request.method in ("POST", "PATCH") and ("/messages" in request.path or request.path.startswith("/webhooks/")):
        return body if ("content" in body or "embeds" in body) else None
    return None


def slash_options(fake, command: str, options: dict) -> dict:
    """The options as the Discord client would send them: an unknown role is not sendable."""
    sendable = {}
    for name, value in options.items():
        if name == "role":
            try:
                fake._resolve_id(value, ("role",))
            except ValueError:
                continue
        if name == "months" and not isinstance(value, int):
            continue
        if name != "months" and not isinstance(value, str):
            continue
        sendable[name] = value
    return sendable


async def run(count: int, seed: int, in_flight: int, users_wanted: int) -> dict:
    import bot as entry
    from tradebot.config import Settings

    from fakediscord import FakeDiscord

    cases = hostile.cases(count, seed)
    # the harness's own checking is done before the clock starts: it must not count as the bot's lag
    spans = [user_spans(case["text"] + "\n" + "\n".join(str(v) for v in case["options"].values())) for case in cases]
    tracebacks: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info or record.levelno >= logging.ERROR:
                tracebacks.append(f"{record.name}: {record.getMessage()[:300]}")

    logging.getLogger().addHandler(Collect(level=logging.WARNING))
    logging.getLogger("discord").setLevel(logging.WARNING)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: tracebacks.append(f"unretrieved: {context.get('message')} {context.get('exception')!r}"))

    with tempfile.TemporaryDirectory() as folder:
        async with FakeDiscord() as fake:
            settings = replace(Settings(db_path=Path(folder) / "fuzz.db"), discord_token=fake.token, delivery_seconds=3600)
            client = entry.build_bot(settings, guild_ready_timeout=0.1)
            async with fake.run_bot(client):
                default_allowed = client.allowed_mentions.to_dict() if client.allowed_mentions else {}
                people = [await fake.add_member(f"fuzzer{n}") for n in range(users_wanted)]
                lags, running = [], True

                playing: dict[int, str] = {}  # the cases in flight, to tell what a lag spike came with
                spikes: list[dict] = []

                async def probe():
                    while running:
                        start = loop.time()
                        await asyncio.sleep(0.005)
                        lags.append(loop.time() - start - 0.005)
                        if lags[-1] > 0.05:
                            spikes.append({"ms": round(lags[-1] * 1000, 1), "in flight": sorted(playing.items())})

                prober = asyncio.create_task(probe())
                results: list[dict] = []
                slots = asyncio.Semaphore(in_flight)
                threads: list[int] = []  # threads the bot opened under its answers

                async def play(number: int, case: dict) -> None:
                    async with slots:
                        size = max([len(case["text"])] + [len(str(value)) for value in case["options"].values()])
                        playing[number] = f"{case['kind']} {case['command']} ({size:,} chars)"
                        results.append(await one(number, case))
                        del playing[number]

                async def one(number: int, case: dict) -> dict:
                    user = people[number % len(people)]
                    record = {"number": number, "kind": case["kind"], "command": case["command"], "spans": spans[number],
                              "payloads": [], "answered": None, "late": False, "skipped": False}
                    if case["kind"] == "slash":
                        name, _, sub = case["command"].partition(" ")
                        options = slash_options(fake, name, case["options"])
                        who = fake.admin_id if name == "alerts" else user
                        start = len(fake.requests)  # every wait looks from here on: the whole log would be quadratic
                        try:
                            interaction = await fake.slash(name, options, subcommand=sub or None, user_id=who)
                        except (ValueError, KeyError, TypeError) as error:  # not sendable through Discord's client
                            record["skipped"] = repr(error)[:120]
                            return record
                        callback = f"/interactions/{interaction.id}/{interaction.token}/callback"
                        hook = f"/webhooks/{fake.application_id}/{interaction.token}"
                        try:
                            reply = await fake.wait_request(lambda r: r.method == "POST" and r.path == callback and r.ok,
                                                            timeout=REPLY_WAIT, start=start)
                            record["answered"] = reply.received - interaction.sent
                            record["late"] = record["answered"] > DEADLINE
                            if (reply.json or {}).get("type") == 5:  # deferred: the followup is the answer
                                await fake.wait_request(lambda r: r.method == "POST" and r.path.startswith(hook),
                                                        timeout=REPLY_WAIT, start=start)
                        except TimeoutError:
                            pass
                        record["payloads"] = [message_payload(r) for r in fake.requests[start:]
                                              if r.ok and (r.path == callback or r.path.startswith(hook))]
                        record["payloads"] = [p for p in record["payloads"] if p is not None]
                        return record
                    channel = threads[-1] if threads and number % 3 == 0 else fake.channel_id  # a third are follow-ups
                    sent, start = time.monotonic(), len(fake.requests)
                    message = await fake.user_message(f"<@{fake.bot_user_id}> {case['text']}", user_id=user, channel_id=channel)
                    try:
                        reply = await fake.wait_request(
                            lambda r: r.method == "POST" and r.path == f"/channels/{channel}/messages"
                            and str((r.json or {}).get("message_reference", {}).get("message_id")) == message["id"], timeout=REPLY_WAIT,
                            start=start)
                        record["answered"] = time.monotonic() - sent
                        record["payloads"] = [reply.json]
                        if channel == fake.channel_id:  # the thread the answer opens takes the next follow-ups
                            await asyncio.sleep(0.05)
                            threads.extend(int(r.response["id"]) for r in fake.requests[start:]
                                           if r.ok and r.method == "POST" and r.path.endswith("/threads") and r.response)
                    except TimeoutError:
                        record["unreplied_mention"] = True
                        record["text"] = case["text"]
                    return record

                started = time.monotonic()
                await asyncio.gather(*(play(number, case) for number, case in enumerate(cases)))
                wall = time.monotonic() - started
                await asyncio.sleep(1.0)  # threads and followups still on their way
                running = False
                await prober
                every_bot_message = [p for p in map(message_payload, fake.requests) if p is not None]

    return summarise(cases, results, every_bot_message, default_allowed, tracebacks, lags, spikes, wall)


def summarise(cases, results, every_bot_message, default_allowed, tracebacks, lags, spikes, wall) -> dict:
    unescaped = []
    for record in results:
        for payload in record["payloads"]:
            if int(payload.get("flags") or 0) & EPHEMERAL:
                continue
            text = rendered_text(payload)
            echoed = sorted(span for span in record["spans"] if span in text)
            if echoed or EVIL_LINK.search(text):
                unescaped.append({"case": record["number"], "command": record["command"], "echoed": echoed[:3],
                                  "text": text[:300]})
    pinged = [(p.get("content") or "")[:200] for p in every_bot_message if pings(p, default_allowed)]
    slash = [r for r in results if r["kind"] == "slash" and not r["skipped"]]
    lags = sorted(lags)
    return {
        "cases": len(cases), "sent": len(results) - sum(bool(r["skipped"]) for r in results),
        "not sendable through Discord (skipped)": sum(bool(r["skipped"]) for r in results),
        "slash": len(slash), "mentions": sum(r["kind"] == "mention" for r in results),
        "bot messages": len(every_bot_message),
        "tracebacks": len(tracebacks), "traceback examples": tracebacks[:5],
        "interactions unanswered": sum(r["answered"] is None for r in slash),
        "interactions answered after 3 s": sum(r["late"] for r in slash),
        "mentions without a reply": sum(bool(r.get("unreplied_mention")) for r in results),
        "unreplied examples": [r.get("text", "")[:200] for r in results if r.get("unreplied_mention")][:5],
        "pings": len(pinged), "ping examples": pinged[:5],
        "public replies with unescaped user markdown": len(unescaped), "unescaped examples": unescaped[:5],
        "answer seconds p50/p99/max": [round(statistics.median(a), 3), round(a[int(len(a) * 0.99) - 1], 3), round(max(a), 3)]
        if (a := sorted(r["answered"] for r in results if r["answered"] is not None)) else None,
        "loop lag ms p50/p99/max": [round(statistics.median(lags) * 1000, 2), round(lags[int(len(lags) * 0.99) - 1] * 1000, 2),
                                    round(lags[-1] * 1000, 2)],
        "lag probes": len(lags), "lag spikes over 50 ms": len(spikes),
        "largest spikes": sorted(spikes, key=lambda spike: -spike["ms"])[:3], "wall seconds": round(wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "fuzz.json")
    args = parser.parse_args()
    summary = asyncio.run(run(args.cases, args.seed, args.in_flight, args.users))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
