"""The evaluation set (tests/questions/eval.yaml): realistic chat questions and follow-up
chains, each with the Query it must become; below 95 % exact the test fails. It prints the
score and every miss, so a regression says where it is."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tradebot.answers import answer, next_context
from tradebot.errors import TradebotError
from tradebot.questions import parse

from conftest import TODAY, meaning

EVAL = Path(__file__).parent / "questions" / "eval.yaml"
THRESHOLD = 0.95
DEFAULTS = {"partner": "WLD", "period": "latest", "currency": None, "measure": "level", "other": None, "product": None}


def _cases() -> list[list[dict]]:
    """Each item as a chain of steps (a lone question is a chain of one)."""
    items = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    return [item["chain"] if "chain" in item else [item] for item in items]


def _matches(expect: dict, got: dict) -> bool:
    wanted = {**DEFAULTS, **expect}
    return all(got.get(key) == wanted[key] for key in wanted)


def test_the_evaluation_set_is_big_and_varied():
    chains = _cases()
    steps = [step for chain in chains for step in chain]
    assert len(steps) >= 200
    assert sum(len(chain) > 1 for chain in chains) >= 20
    assert sum("error" in step["expect"] for step in steps) >= 20


def test_the_parser_gets_at_least_95_percent_exact(store, capsys):
    total, right, misses, wrong_numbers = 0, 0, [], []
    for chain in _cases():
        context = None
        for step in chain:
            total += 1
            expect = step["expect"]
            try:
                query = parse(step["q"], TODAY, context, store.has_pair)
            except TradebotError as error:
                ok = expect.get("error") in (error.code, "refused")  # "refused": any one-sentence refusal
                got = {"error": error.code}
            else:
                got = meaning(query)
                ok = "error" not in expect and _matches(expect, got)
                result = answer(store, query, TODAY)
                context = next_context(query, result)
                if "error" in expect and result.figures:
                    wrong_numbers.append(step["q"])
                if ok and "figure" in step:
                    wanted = step["figure"]
                    shown = [(f.indicator, str(f.period), f.value) for f in result.figures]
                    if (wanted["indicator"], wanted["period"], float(wanted["value"])) not in shown:
                        ok = False
                        got = {**got, "figures": shown[:3]}
            right += ok
            if not ok:
                misses.append(f"  {step['q']!r}\n    expected {expect}\n    got      {got}")
    score = right / total
    with capsys.disabled():
        print(f"\nquestion evaluation: {right}/{total} exact ({score:.1%})")
        if misses:
            print("misses:\n" + "\n".join(misses))
    assert not wrong_numbers, f"answered with numbers where it must not: {wrong_numbers}"
    assert score >= THRESHOLD, f"{score:.1%} exact is below {THRESHOLD:.0%}"


@pytest.mark.parametrize("text", ["and imports?", "what about october?", "same for japan"])
def test_a_follow_up_without_a_conversation_is_not_guessed(text):
    with pytest.raises(TradebotError) as caught:
        parse(text, TODAY)
    assert caught.value.code in ("not_understood", "unknown_country")
