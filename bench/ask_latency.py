"""Answer latency on the N-observation store: the real `tradebot.answers.ask(store, text)`
against two peers answering the same questions from the same rows in the same process.

    ask_latency.py CSV DB [--questions Q] [--skip-peers]

- bot: `ask(store, text)`: parse the text → select figures → render the answer, as the console
  and `bot.py ask` do. Also timed: `answer(store, query)` on the already-parsed queries.
- pandas: the same rows (reporter, partner, indicator, period, value) read from the same CSV
  into one DataFrame sorted and indexed by (reporter, partner); each question takes the pair's
  block with one `.loc[(reporter, partner)]`, narrows it with boolean masks, and computes in
  Python. Ranking questions take the reporter's block (`.loc[reporter]`) and mask two periods.
- duckdb: the same rows loaded from the same CSV into a table ordered by reporter, partner,
  indicator, period (so zone maps prune to the pair's row group); each question runs the
  parameterised SELECTs it needs and computes in Python with the same code as the pandas peer.

The peers compute what the bot's answer shows: the headline value (a month, or a year-to-date
sum), the two other flows, the year-on-year growth of all three (from the values a year
earlier), the year-to-date sum and its growth, the previous period, and for a bilateral
question the partner's mirror figure and the gap; for a ranking, every partner's value and
growth, its share of the world and the rest of the world. They get the question already
parsed (they have no language parser), which the bot's `answer`-only timing matches.
Every answer's headline is checked against the bot's (same value, or same top partner).
Prints one JSON line; writes bench/out/profile_answers.txt (cProfile of the bot).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT_DIR, emit, self_peak_mb, summary_ms  # noqa: E402

SEED = 8
FLOWS = ("balance", "exports", "imports")
COMPANIONS = {"balance": ("exports", "imports"), "exports": ("imports", "balance"), "imports": ("exports", "balance")}
MIRROR_FLOW = {"exports": "imports", "imports": "exports", "balance": "balance"}
KINDS = ("latest balance", "bilateral month", "year to date", "top partners", "year on year")
# Names people type for the big reporters; others are asked by code.
NAMES = {"CHN": "china", "USA": "us", "DEU": "germany", "JPN": "japan", "KOR": "south korea", "BRA": "brazil", "FRA": "france",
         "GBR": "uk", "IND": "india", "ITA": "italy", "CAN": "canada", "MEX": "mexico", "AUS": "australia", "IDN": "indonesia",
         "RUS": "russia", "SAU": "saudi arabia", "TUR": "turkey", "ARG": "argentina", "ZAF": "south africa", "VNM": "vietnam"}


# --- periods as 'YYYY-MM' strings ----------------------------------------------------------


def shift(month: str, months: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = shift(month, 1)
    return out


# --- the questions -----------------------------------------------------------------------


def make_questions(meta: dict, count: int, seed: int = SEED) -> list[dict]:
    """`count` questions, the five kinds in turn, reporters, partners and months drawn from the
    generated data. Each is checked against the bot's parser; a phrase the parser reads
    otherwise (a code like CAN or AND is also an English word) is asked as a slash command."""
    from tradebot.periods import today_utc
    from tradebot.questions import parse

    rng = random.Random(seed)
    reporters = meta["reporters"]
    months = meta["months"]
    asked_months = months[24:]  # a year-earlier base and the previous January exist
    today = today_utc()
    out = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        reporter = rng.choice(reporters)
        name = NAMES.get(reporter, reporter) if rng.random() < 0.5 else reporter
        partners = [p for p in meta["partners"][reporter] if p != "G001"]
        month = rng.choice(asked_months)
        if kind == "latest balance":
            spec = {"intent": "balance", "reporter": reporter, "partner": "WLD", "period": None}
            text, command = f"surplus {name}", f"/surplus {reporter}"
        elif kind == "bilateral month":
            flow = rng.choice(FLOWS)
            partner = rng.choice(partners)
            spec = {"intent": flow, "reporter": reporter, "partner": partner, "period": month}
            words = {"exports": "exports to", "imports": "imports from", "balance": "surplus with"}[flow]
            text = f"{name} {words} {partner} {month}"
            command = f"/{ {'balance': 'surplus'}.get(flow, flow)} {reporter} partner:{partner} period:{month}"
        elif kind == "year to date":
            flow = rng.choice(FLOWS)
            spec = {"intent": flow, "reporter": reporter, "partner": "WLD", "period": "ytd"}
            text = f"{name} {'surplus' if flow == 'balance' else flow} ytd"
            command = f"/{ {'balance': 'surplus'}.get(flow, flow)} {reporter} period:ytd"
        elif kind == "top partners":
            flow = rng.choice(("exports", "imports", "total_trade", "balance"))
            spec = {"intent": "partners", "reporter": reporter, "partner": "WLD", "period": month, "flow": flow}
            text = command = f"/partners {reporter} indicator:{flow.replace('_', ' ')} period:{month}"
        else:
            flow = rng.choice(FLOWS)
            partner = rng.choice(["WLD", "WLD", *rng.sample(partners, 1)])
            spec = {"intent": flow, "reporter": reporter, "partner": partner, "period": month}
            word = "surplus" if flow == "balance" else flow
            if partner == "WLD":
                text = f"{name} {word} y/y {month}"
            else:
                text = f"{name} {word} {'with' if flow == 'balance' else 'to' if flow == 'exports' else 'from'} {partner} y/y {month}"
            command = f"/{ {'balance': 'surplus'}.get(flow, flow)} {reporter} partner:{partner} period:{month}"
        spec["kind"] = kind
        spec["text"] = text if _means(parse, text, today, spec) else command
        if not _means(parse, spec["text"], today, spec):
            raise AssertionError(f"the parser does not read {spec['text']!r} as {spec}")
        out.append(spec)
    return out


def _means(parse, text: str, today, spec: dict) -> bool:
    try:
        query = parse(text, today)
    except Exception:
        return False
    period = None if query.period.kind == "latest" else "ytd" if query.period.kind == "ytd" else str(query.period.period)
    return (query.intent, query.reporter, query.partner, period) == (spec["intent"], spec["reporter"], spec["partner"], spec["period"]) \
        and (spec["intent"] != "partners" or query.indicator == spec["flow"])


# --- the peers' shared arithmetic -------------------------------------------------------


class Peer:
    """What every peer computes from rows it fetched; subclasses only fetch.

    `pair(reporter, partner, first, last)` → {(indicator, period): value} for months in
    [first, last]; `latest(reporter, partner, indicator)` → the newest period;
    `ranking(reporter, periods)` → {(partner, indicator, period): value}; `is_reporter(code)`."""

    def answer(self, spec: dict) -> dict:
        if spec["intent"] == "partners":
            return self._partners(spec)
        return self._figures(spec)

    def _figures(self, spec: dict) -> dict:
        reporter, partner, flow = spec["reporter"], spec["partner"], spec["intent"]
        if spec["period"] in (None, "ytd"):
            end = self.latest(reporter, partner, flow)
            first = shift(end, -(int(end[5:7]) - 1)) if spec["period"] == "ytd" else end
        else:
            first = end = spec["period"]
        values = self.pair(reporter, partner, f"{int(first[:4]) - 1:04d}-01", end)

        def total(indicator: str, start: str, stop: str) -> float | None:
            parts = [values.get((indicator, month)) for month in months_between(start, stop)]
            return None if any(part is None for part in parts) else sum(parts)

        def growth(indicator: str, start: str, stop: str) -> float | None:
            now, base = total(indicator, start, stop), total(indicator, shift(start, -12), shift(stop, -12))
            if now is None or not base or (now < 0) != (base < 0):
                return None
            return round((now / base - 1) * 100, 1)

        result = {"headline": total(flow, first, end), "growth": growth(flow, first, end)}
        for other in COMPANIONS[flow]:
            result[other] = (total(other, first, end), growth(other, first, end))
        if first == end and int(end[5:7]) > 1:
            january = shift(end, -(int(end[5:7]) - 1))
            result["ytd"] = (total(flow, january, end), growth(flow, january, end))
        previous = (shift(first, -1), shift(first, -1)) if first == end else (shift(first, -12), shift(end, -12))
        result["previous"] = total(flow, *previous)
        if partner != "WLD" and self.is_reporter(partner):
            mirror = self.pair(partner, reporter, first, end)
            theirs = [mirror.get((MIRROR_FLOW[flow], month)) for month in months_between(first, end)]
            if all(value is not None for value in theirs):
                result["mirror"] = sum(theirs)
                own = result["headline"]
                result["gap"] = abs(own) - abs(result["mirror"]) if flow == "balance" else own - result["mirror"]
        return result

    def _partners(self, spec: dict) -> dict:
        reporter, period, flow = spec["reporter"], spec["period"], spec["flow"]
        base = shift(period, -12)
        rows = self.ranking(reporter, (period, base))

        def value(code: str, month: str) -> float | None:
            if flow == "total_trade":
                exports, imports = rows.get((code, "exports", month)), rows.get((code, "imports", month))
                return None if exports is None or imports is None else exports + imports
            return rows.get((code, flow, month))

        codes = sorted({code for code, _indicator, _month in rows if code != "WLD"})
        values = {code: v for code in codes if (v := value(code, period)) is not None}
        world = value("WLD", period)
        ranked = sorted(values, key=lambda code: abs(values[code]), reverse=True)
        lines = []
        for code in ranked:
            now, before = values[code], value(code, base)
            change = None if not before or (now < 0) != (before < 0) else round((now / before - 1) * 100, 1)
            share = round(now / world * 100, 1) if world and flow != "balance" else None
            lines.append((code, now, change, share))
        rest = world - sum(values.values()) if world is not None and flow != "balance" else None
        return {"top": ranked[0] if ranked else None, "headline": values[ranked[0]] if ranked else None, "lines": lines,
                "world": world, "rest": rest}


class PandasPeer(Peer):
    def __init__(self, csv: Path):
        import pandas as pd

        self.pd = pd
        started = time.perf_counter()
        frame = pd.read_csv(
            csv, usecols=["COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "TIME_PERIOD", "OBS_VALUE"],
            dtype={"COUNTRY": "category", "INDICATOR": "category", "COUNTERPART_COUNTRY": "category", "TIME_PERIOD": "category",
                   "OBS_VALUE": "float64"},
        )
        frame = frame[frame["TIME_PERIOD"].notna() & frame["INDICATOR"].isin(["XG_FOB_USD", "MG_CIF_USD", "TBG_USD"])]
        frame = pd.DataFrame({
            "reporter": frame["COUNTRY"].astype(str),
            "partner": frame["COUNTERPART_COUNTRY"].astype(str).replace({"G001": "WLD"}),
            "indicator": frame["INDICATOR"].map({"XG_FOB_USD": "exports", "MG_CIF_USD": "imports", "TBG_USD": "balance"}).astype("category"),
            "period": frame["TIME_PERIOD"].astype(str).str.replace("-M", "-", regex=False).astype("category"),
            "value": frame["OBS_VALUE"],
        })
        frame = frame.sort_values(["reporter", "partner", "indicator", "period"]).set_index(["reporter", "partner"])
        self.frame = frame
        self.reporters = set(frame.index.get_level_values(0).unique())
        self.rows = len(frame)
        self.load_seconds = time.perf_counter() - started
        self.frame.loc[(next(iter(self.reporters)), "WLD")]  # builds the index engine once, outside the timings

    def is_reporter(self, code: str) -> bool:
        return code in self.reporters

    def _block(self, reporter: str, partner: str):
        try:
            return self.frame.loc[(reporter, partner)]
        except KeyError:
            return self.frame.iloc[0:0]

    def pair(self, reporter: str, partner: str, first: str, last: str) -> dict:
        block = self._block(reporter, partner)
        period = block["period"].astype(str)
        block = block[(period >= first) & (period <= last)]
        return dict(zip(zip(block["indicator"].tolist(), block["period"].tolist(), strict=True), block["value"].tolist(), strict=True))

    def latest(self, reporter: str, partner: str, indicator: str) -> str:
        block = self._block(reporter, partner)
        return max(block.loc[block["indicator"] == indicator, "period"].astype(str))

    def ranking(self, reporter: str, periods: tuple[str, ...]) -> dict:
        block = self.frame.loc[reporter]
        block = block[block["period"].isin(periods)]
        return dict(zip(zip(block.index.tolist(), block["indicator"].tolist(), block["period"].tolist(), strict=True),
                        block["value"].tolist(), strict=True))


class DuckPeer(Peer):
    def __init__(self, csv: Path):
        import duckdb

        started = time.perf_counter()
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"""
            CREATE TABLE obs AS
            SELECT COUNTRY AS reporter,
                   CASE COUNTERPART_COUNTRY WHEN 'G001' THEN 'WLD' ELSE COUNTERPART_COUNTRY END AS partner,
                   CASE INDICATOR WHEN 'XG_FOB_USD' THEN 'exports' WHEN 'MG_CIF_USD' THEN 'imports' ELSE 'balance' END AS indicator,
                   replace(TIME_PERIOD, '-M', '-') AS period,
                   CAST(OBS_VALUE AS DOUBLE) AS value
            FROM read_csv('{csv}', header = true, all_varchar = true)
            WHERE TIME_PERIOD IS NOT NULL AND TIME_PERIOD <> '' AND INDICATOR IN ('XG_FOB_USD', 'MG_CIF_USD', 'TBG_USD')
            ORDER BY reporter, partner, indicator, period""")
        self.reporters = {row[0] for row in self.con.execute("SELECT DISTINCT reporter FROM obs").fetchall()}
        self.rows = self.con.execute("SELECT count(*) FROM obs").fetchone()[0]
        self.load_seconds = time.perf_counter() - started

    def is_reporter(self, code: str) -> bool:
        return code in self.reporters

    def pair(self, reporter: str, partner: str, first: str, last: str) -> dict:
        rows = self.con.execute("SELECT indicator, period, value FROM obs WHERE reporter = $1 AND partner = $2 AND period BETWEEN $3 AND $4",
                                [reporter, partner, first, last]).fetchall()
        return {(indicator, period): value for indicator, period, value in rows}

    def latest(self, reporter: str, partner: str, indicator: str) -> str:
        return self.con.execute("SELECT max(period) FROM obs WHERE reporter = $1 AND partner = $2 AND indicator = $3",
                                [reporter, partner, indicator]).fetchone()[0]

    def ranking(self, reporter: str, periods: tuple[str, ...]) -> dict:
        rows = self.con.execute("SELECT partner, indicator, period, value FROM obs WHERE reporter = $1 AND period IN ($2, $3)",
                                [reporter, *periods]).fetchall()
        return {(partner, indicator, period): value for partner, indicator, period, value in rows}


# --- the bot ------------------------------------------------------------------------------


def bot_headline(answer, spec: dict) -> tuple:
    if not answer.ok or not answer.figures:
        return (None, None)
    if spec["intent"] == "partners":
        return (answer.figures[0].partner, answer.figures[0].value)
    for figure in answer.figures:
        if figure.indicator == spec["intent"] and figure.unit == "USD" and figure.partner == spec["partner"]:
            return (None, figure.value)
    return (None, None)


def time_calls(call, items, keep=lambda item, result: result) -> tuple[list[float], list]:
    """Each call's time, and `keep(item, result)` of each: what is needed later, not whole answers.
    Ten thousand kept answers are millions of objects that Python's cyclic GC walks, in pauses
    of hundreds of ms that a bot, which keeps no answer, never has."""
    timings, results = [], []
    for item in items:
        begin = time.perf_counter()
        result = call(item)
        timings.append(time.perf_counter() - begin)
        results.append(keep(item, result))
    return timings, results


def _kept(spec: dict, answer) -> dict:
    return {"ok": answer.ok, "shown": answer.title if answer.ok else answer.error.message, "headline": bot_headline(answer, spec)}


def same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv", type=Path)
    parser.add_argument("db", type=Path)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--profile-questions", type=int, default=2000)
    args = parser.parse_args()
    meta = json.loads(Path(str(args.csv) + ".json").read_text(encoding="utf-8"))

    from tradebot.answers import answer, ask
    from tradebot.periods import today_utc
    from tradebot.questions import parse
    from tradebot.store import Store

    specs = make_questions(meta, args.questions)
    texts = [spec["text"] for spec in specs]
    store = Store(args.db)
    for spec in specs[:200]:  # warm: country index, SQLite pages of the first questions
        ask(store, spec["text"])
    bot_times, bot_answers = time_calls(lambda spec: ask(store, spec["text"]), specs, _kept)
    errors = [(spec["text"], a["shown"]) for spec, a in zip(specs, bot_answers, strict=True) if not a["ok"]]
    today = today_utc()
    queries = [parse(text, today) for text in texts]
    answer_times, _ = time_calls(lambda query: answer(store, query), queries, lambda query, result: None)
    by_kind = {kind: summary_ms([t for t, s in zip(bot_times, specs, strict=True) if s["kind"] == kind]) for kind in KINDS}

    profiler = cProfile.Profile()
    profiler.enable()
    for text in texts[: args.profile_questions]:
        ask(store, text)
    profiler.disable()
    out = io.StringIO()
    out.write(f"cProfile of ask(store, text) over {min(args.profile_questions, len(texts))} of the questions\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    # the same without the rankings, which dominate the listing above
    figures_only = cProfile.Profile()
    plain = [spec["text"] for spec in specs if spec["intent"] != "partners"][: args.profile_questions]
    figures_only.enable()
    for text in plain:
        ask(store, text)
    figures_only.disable()
    out.write(f"\n\ncProfile of ask(store, text) over {len(plain)} questions that are not rankings\n")
    plain_stats = pstats.Stats(figures_only, stream=out)
    plain_stats.sort_stats("cumulative").print_stats(30)
    plain_stats.sort_stats("tottime").print_stats(20)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "profile_answers.txt").write_text(out.getvalue(), encoding="utf-8")
    from ingest import _top

    result = {
        "questions": len(specs), "errors": len(errors), "error_examples": errors[:5],
        "examples": [(s["kind"], s["text"], a["shown"]) for s, a in list(zip(specs, bot_answers, strict=True))[:5]],
        "bot": summary_ms(bot_times), "bot_answer_only": summary_ms(answer_times), "bot_by_kind": by_kind,
        "profile_cumulative": _top(stats, "cumulative", 25), "profile_tottime": _top(stats, "tottime", 15),
        "profile_plain_cumulative": _top(plain_stats, "cumulative", 25), "profile_plain_tottime": _top(plain_stats, "tottime", 15),
    }
    store.close()
    if not args.skip_peers:
        bot_heads = [a["headline"] for a in bot_answers]
        for name, cls in (("pandas", PandasPeer), ("duckdb", DuckPeer)):
            peer = cls(args.csv)
            for spec in specs[:200]:
                peer.answer(spec)
            times, answers = time_calls(peer.answer, specs, lambda spec, r: {"headline": r["headline"], "top": r.get("top")})
            mismatches = []
            for spec, mine, theirs in zip(specs, answers, bot_heads, strict=True):
                top, value = theirs
                ok = same(mine["headline"], value) and (spec["intent"] != "partners" or mine["top"] == top)
                if not ok:
                    mismatches.append((spec["text"], mine["headline"], mine.get("top"), value, top))
            result[name] = {**summary_ms(times), "load_seconds": peer.load_seconds, "rows": peer.rows,
                            "mismatches": len(mismatches), "mismatch_examples": mismatches[:5],
                            "by_kind": {kind: summary_ms([t for t, s in zip(times, specs, strict=True) if s["kind"] == kind]) for kind in KINDS}}
            del peer
    result["peak_mb"] = self_peak_mb()
    emit(result)


if __name__ == "__main__":
    main()
