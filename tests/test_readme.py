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
