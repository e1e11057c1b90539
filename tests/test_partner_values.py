"""The partner summaries a ranking reads (`partner_values`, one row per reporter, indicator, unit,
period and source): every import keeps them equal to the figures, a figure changed or deleted by
other means marks its group stale, and a ranking read from them is the ranking read from the
figures themselves, word for word."""

from __future__ import annotations

import re

import pytest

from tradebot.answers import ask
from tradebot.errors import DataFileError
from tradebot.partner_tables import MEMBERS, partner_table
from tradebot.periods import Period
from tradebot.store import Store, unpacked
from tradebot.sync import sync_file

from conftest import TODAY

GROUP = ("reporter", "indicator", "unit", "period_end", "period_start", "source")
RANKINGS = [f"/partners {reporter} indicator:{flow}{period}"
            for reporter in ("CHN", "USA", "JPN", "KOR", "VNM")
            for flow in ("exports", "imports", "balance", "total trade")
            for period in ("", " period:2025-06", " period:2025-Q3", " period:2024", " period:ytd", " period:2025-11")]


def summaries(store: Store) -> dict[tuple, tuple[int, dict[str, list[float]]]]:
    """Group → (stale, partner → the values listed for it)."""
    out = {}
    for row in store.conn.execute(f"SELECT {', '.join(GROUP)}, stale, partners, amounts FROM partner_values"):
        values: dict[str, list[float]] = {}
        for code, value in zip(row["partners"].split(" "), unpacked(row["amounts"]), strict=True):
            values.setdefault(code, []).append(value)
        out[tuple(row[column] for column in GROUP)] = (row["stale"], values)
    return out


def figures_by_group(store: Store) -> dict[tuple, dict[str, list[float]]]:
    out: dict[tuple, dict[str, list[float]]] = {}
    for row in store.conn.execute(f"SELECT {', '.join(GROUP)}, partner, value FROM figures WHERE product = ''"):
        out.setdefault(tuple(row[column] for column in GROUP), {}).setdefault(row["partner"], []).append(row["value"])
    return out


def assert_summaries_agree(store: Store) -> None:
    """Every group of figures has a summary, and every summary not marked stale lists exactly its
    figures."""
    held, expected = summaries(store), figures_by_group(store)
    assert expected.keys() <= held.keys(), sorted(expected.keys() - held.keys())[:3]
    for group, (stale, values) in held.items():
        if stale:
            continue
        figures = expected.get(group, {})
        assert values.keys() == figures.keys(), group
        for code, listed in values.items():
            assert sorted(listed) == sorted(figures[code]), (group, code)


def answers(store: Store) -> list[str]:
    return [ask(store, text, TODAY).text for text in RANKINGS]


def test_the_seed_and_every_later_import_keep_the_summaries_equal_to_the_figures(before_november, november_release):
    store = Store(before_november)
    assert store.conn.execute("SELECT count(*) FROM partner_values WHERE stale = 1").fetchone()[0] > 0  # the forgetting
    assert_summaries_agree(store)
    sync_file(store, november_release)  # new months for reporters the store already holds: the staged path
    assert_summaries_agree(store)
    held, november = summaries(store), [group for group in figures_by_group(store) if group[3] == "2025-11"]
    assert november and not any(held[group][0] for group in november)  # read again: fresh, not stale


# China's imports in July 2026, a month the bulletin lists, and its total trade in the third quarter
# of 2025, which it lists only as months (so every partner's is a sum of three months, each exports + imports)
TABLES = [("imports", "2026-07"), ("total_trade", "2025-07..2025-09")]


def ranked_and_read(store: Store, flow: str, period: str) -> tuple[dict[str, float], set[str], list[str]]:
    """China's partners ranked: every partner's amount, whose figures were read in full, and the
    fifteen largest."""
    table = partner_table(store, "CHN", flow, ["CNY"], Period.parse(period))
    order = table.largest(MEMBERS, 15)
    return table.amounts, set(table.books), order[:15]


def test_rankings_from_the_summaries_are_the_rankings_from_the_figures(store):
    from_summaries = answers(store)
    assert sum("top partners by" in text for text in from_summaries) >= 40  # most of them are answered
    ranked = [ranked_and_read(store, flow, period) for flow, period in TABLES]
    for amounts, read, largest in ranked:
        assert len(amounts) > 200 and read == {*largest, "WLD"}  # the summary ordered them; only the ranked were read
    store.conn.execute("UPDATE partner_values SET stale = 1")  # every ranking now reads every partner's figures
    assert answers(store) == from_summaries
    for (amounts, _, largest), (flow, period) in zip(ranked, TABLES, strict=True):
        amounts_in_full, read_in_full, largest_in_full = ranked_and_read(store, flow, period)
        assert (amounts_in_full, largest_in_full) == (amounts, largest) and len(read_in_full) > 200


def test_a_partner_with_two_releases_is_ranked_by_the_newest(store):
    """US Census revised March 2025 (the release of June 2026): the summaries list both of China's
    figures, so China is read in full and the selection rules choose, not the summary's order."""
    table = partner_table(store, "USA", "imports", ["USD"], Period.parse("2025-03"))
    assert sorted(summaries(store)[("USA", "imports", "USD", "2025-03", "2025-03", "US Census Bureau")][1]["CHN"]) == [
        29_383_700_000, 29_510_800_000]
    assert "CHN" in table.books and table.amounts["CHN"] == 29_510_800_000
    assert set(table.books) == {"CHN"}  # the others have one figure each: the summary's


def test_a_figure_changed_by_hand_is_ranked_by_its_new_value(store):
    question = "/partners CHN indicator:imports period:2026-07"
    assert "1. South Korea" in ask(store, question, TODAY).text.splitlines()[1]
    with store.conn:
        changed = store.conn.execute("UPDATE figures SET value = value * 100 WHERE reporter = 'CHN' AND partner = 'MNG' "
                                     "AND indicator = 'imports' AND period_start = '2026-07' AND period_end = '2026-07'")
        assert changed.rowcount >= 1
    assert "1. Mongolia" in ask(store, question, TODAY).text.splitlines()[1]
    assert_summaries_agree(store)


def test_a_failed_import_leaves_the_summaries_as_they_were(store):
    before = summaries(store)
    good = [("CHN", "MNG", "imports", "2026-08", "2026-08", 5e9, "USD", "test", "2026-09", "", "", "", "")]
    bad = [("CHN", "MNG", "exports", "2026-08", "2026-08", float("inf"), "USD", "test", "2026-09", "", "", "", "")]
    with pytest.raises(DataFileError):
        store.add_figure_batches(iter([good, bad]))  # the first batch is stored before the second is refused
    assert summaries(store) == before


def partners_read_in_full(store: Store, question: str) -> tuple[str, int]:
    """The answer, and how many partners' figures it read in the largest single read."""
    reads: list[int] = []

    def traced(statement: str) -> None:
        if (listed := re.search(r"FROM figures WHERE reporter = \S+ AND partner IN \(([^)]*)\)", statement)):
            reads.append(listed.group(1).count(",") + 1)

    store.conn.set_trace_callback(traced)
    try:
        return ask(store, question, TODAY).text, max(reads, default=0)
    finally:
        store.conn.set_trace_callback(None)


def test_a_reporter_without_partner_tables_is_told_so_without_reading_every_partner(store):
    """The US has over 200 partners in the store but no world total beside them: every period's
    summary says there is no table, so no partner's figures are read in full (reading them, the
    walk over its periods took 2.7 s)."""
    text, most = partners_read_in_full(store, "/drivers us")
    assert "no partner and world figures" in text and most < 20
    store.conn.execute("UPDATE partner_values SET stale = 1")
    text_in_full, most_in_full = partners_read_in_full(store, "/drivers us")
    assert text_in_full == text and most_in_full > 200  # the same answer, read the long way
