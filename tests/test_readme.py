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
