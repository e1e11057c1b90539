"""The README's examples are answers the bundled data gives, word for word (docs as tests)."""

from __future__ import annotations

import re

from tradebot.answers import ask

from conftest import PROJECT_DIR, TODAY

EXAMPLE = re.compile(r'^\$ \.venv/bin/python bot\.py ask "([^"]+)"\n(.*?)(?=^\$ |^```)', re.MULTILINE | re.DOTALL)


def test_every_ask_example_in_the_readme_is_what_the_bot_answers(store):
    examples = EXAMPLE.findall((PROJECT_DIR / "README.md").read_text(encoding="utf-8"))
    assert len(examples) >= 2
    for question, shown in examples:
        assert ask(store, question, TODAY).text == shown.strip(), question


def test_every_question_the_readme_quotes_is_answered_from_the_bundled_data(store):
    """Each `code span` in the README that is a whole question (it parses without a thread) gets
    an answer, not an error: an example the data cannot answer any more fails here. Charts are
    drawn by the console and /chart, and tested there."""
    from tradebot.answers import answer
    from tradebot.errors import TradebotError
    from tradebot.questions import parse

    spans = sorted(set(re.findall(r"`([^`\n]+)`", (PROJECT_DIR / "README.md").read_text(encoding="utf-8"))))
    answered = []
    for span in spans:
        try:
            query = parse(span, TODAY, None, store.has_pair)
        except TradebotError:
            continue  # a period, a country, an option's name, a follow-up: not a whole question
        if query.intent != "chart":
            result = answer(store, query, TODAY)
            assert result.ok, f"README example `{span}`: {result.text}"
            answered.append(span)
    assert len(answered) >= 8


def test_what_the_readme_says_the_bundled_data_covers_is_what_the_store_holds(store):
    """The README's first screen names the bundled data's reach; a seed that grows or shrinks
    without the README saying so fails here."""
    readme = " ".join((PROJECT_DIR / "README.md").read_text(encoding="utf-8").split())
    assert "China's trade with every partner month by month, 2024-01 … 2026-07 (China Customs' bulletin, in yuan)" in readme
    assert "US trade with China, Germany, South Korea, Taiwan and Japan month by month, 2024-01 … 2026-04 (US Census)" in readme
    assert "US, Japanese and Korean trade with China, 2001–2019" in readme
    assert "by HS chapter, 2023, 2024 and Jan–Aug 2025 (USITC DataWeb)" in readme

    def reach(source: str, reporter: str) -> tuple:
        return tuple(store.conn.execute(
            "SELECT min(period_start), max(period_end), count(DISTINCT partner) FROM figures WHERE source = ? AND reporter = ?",
            (source, reporter)).fetchone())

    first, last, partners = reach("China Customs (GACC) monthly bulletin", "CHN")
    assert (first, last) == ("2024-01", "2026-07") and partners > 200
    assert reach("US Census Bureau", "USA")[:2] == ("2001-01", "2026-04")
    monthly = {row[0] for row in store.conn.execute(
        "SELECT DISTINCT partner FROM figures WHERE source = 'US Census Bureau' AND reporter = 'USA' AND period_start = '2026-04'")}
    assert {"CHN", "DEU", "KOR", "TWN", "JPN"} <= monthly
    for source, reporter in (("Japan Ministry of Finance", "JPN"), ("Korea Customs Service (KOSIS)", "KOR")):
        assert reach(source, reporter)[:2] == ("2001-01", "2019-12")
    first, last, _ = reach("USITC DataWeb", "USA")
    assert (first, last) == ("2023-01", "2025-08")
    assert store.conn.execute("SELECT count(DISTINCT product) FROM figures WHERE source = 'USITC DataWeb'").fetchone()[0] >= 90
