"""Run every benchmark, write bench/RESULTS.md and print it.

    .venv/bin/python bench/run.py [--observations N] [--questions Q] [--skip-ingest-peer]

See bench/README.md for what each figure measures and the targets it is checked against.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from common import BENCH_DIR, OUT_DIR, PROJECT_DIR, PYTHON, machine, remove_db, run_child  # noqa: E402

TARGETS = {
    "answer_p99_ms": 1.5, "answer_vs_pandas": 5.0, "answer_vs_duckdb": 5.0,
    "ingest_rate": 300_000, "ingest_vs_pandas": 2.0,
    "cold_seconds": 1.5, "cold_mb": 200, "e2e_p99_ms": 30.0,
}


LOADS: list[tuple[str, float]] = []  # (step, 1-minute load average as it began): other work on the machine skews timings


CODE: list[tuple[str, str]] = []  # (step, commit+diff of tradebot/cogs/bot.py as it began): the code may change during a run


def log(message: str) -> None:
    LOADS.append((message.split(":")[0], __import__("os").getloadavg()[0]))
    if not message.startswith(" "):
        state = git_state()
        CODE.append((message.split(":")[0], state["commit"] + (f"+{state['diff_sha1']}" if state["diff_sha1"] else "")))
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def git_state() -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    diff = git("diff", "--", "tradebot", "cogs", "bot.py")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "modified": git("status", "--porcelain", "--", "tradebot", "cogs", "bot.py").splitlines(),
            "diff_sha1": hashlib.sha1(diff.encode()).hexdigest()[:10] if diff else ""}


def child_error(result) -> str:
    if result.timed_out:
        return f"stopped after {result.seconds:.0f} s (time limit)"
    try:
        data = result.json()
        if "error" in data:
            return f"{data['error']} at {data.get('peak_mb', 0):,.0f} MB"
    except ValueError:
        pass
    tail = " ".join(result.stderr.strip().splitlines()[-1:])[:300]
    if result.returncode is not None and result.returncode < 0:
        return f"killed by signal {-result.returncode} at {result.peak_mb:,.0f} MB {tail}"
    return f"exit {result.returncode}: {tail}"


def ingest(mode: str, meta: dict, db: Path, args, timeout: float | None) -> dict:
    log(f"ingest {mode}: {meta['observations']:,} rows from {Path(meta['path']).name}")
    command = [PYTHON, str(BENCH_DIR / "ingest.py"), mode, meta["path"], str(db), "--memory-limit-gb", str(args.memory_limit_gb)]
    result = run_child(command, timeout=timeout)
    out = {"mode": mode, "observations": meta["observations"], "wall_seconds": result.seconds, "peak_mb": result.peak_mb}
    if result.returncode == 0:
        data = result.json()
        out.update(ok=True, seconds=data["seconds"], rate=data["read"] / data["seconds"], stored=data["stored"])
        log(f"  {out['rate']:,.0f} obs/s, {data['seconds']:.1f} s, peak {result.peak_mb:,.0f} MB")
    else:
        out.update(ok=False, error=child_error(result))
        log(f"  failed: {out['error']}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the tradebot benchmarks and write bench/RESULTS.md.")
    parser.add_argument("--observations", type=int, default=generate.DEFAULT_OBSERVATIONS,
                        help="size of the generated IMF response (default 10,000,000)")
    parser.add_argument("--questions", type=int, default=10_000, help="questions timed per system (default 10,000)")
    parser.add_argument("--skip-ingest-peer", action="store_true", help="do not run the pandas import peer")
    parser.add_argument("--interactions", type=int, default=500, help="slash commands end to end (default 500)")
    parser.add_argument("--in-flight", type=int, default=50, help="interactions in flight at once (default 50)")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--ingest-timeout", type=float, default=600, help="seconds one sync_file import may take (default 600)")
    parser.add_argument("--memory-limit-gb", type=float, default=None, help="address-space cap of import children (default: RAM − 3 GB)")
    parser.add_argument("--profile-rows", type=int, default=1_000_000, help="rows of the cProfile'd import (default 1,000,000)")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "RESULTS.md")
    args = parser.parse_args()
    info = machine()
    if args.memory_limit_gb is None:
        args.memory_limit_gb = max(2.0, round(info["ram_gb"] - 3, 1))
    OUT_DIR.mkdir(exist_ok=True)
    started = time.perf_counter()
    results: dict = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": info, "git": git_state(),
                     "requested": args.observations, "questions": args.questions, "memory_limit_gb": args.memory_limit_gb}

    # 1. the data
    log(f"generating {args.observations:,} observations (or reusing bench/out)")
    meta = generate.ensure(args.observations)
    results["data"] = {"observations": meta["observations"], "reporters": len(meta["reporters"]), "months": len(meta["months"]),
                       "bytes": meta["bytes"], "seconds": meta["seconds"], "reused": meta["reused"]}
    n = meta["observations"]
    store_db = OUT_DIR / f"store_{n}.db"

    # 2. import: sync_file at N; if it cannot, the largest N (halving, whole reporters) that it can
    attempts = []
    attempt = ingest("sync", meta, store_db, args, args.ingest_timeout)
    attempts.append(attempt)
    size = n
    while not attempt["ok"] and size > 2 * 50_400:
        size //= 2
        smaller = generate.prefix_file(meta, size)
        trial_db = OUT_DIR / f"store_sync_{smaller['observations']}.db"
        attempt = ingest("sync", smaller, trial_db, args, args.ingest_timeout)
        attempts.append(attempt)
        remove_db(trial_db)
    results["sync_attempts"] = attempts
    results["sync"] = next((a for a in attempts if a["ok"]), None)
    if not attempts[0]["ok"]:  # the N-row store the answers need, through the real parse and add_figures in chunks
        results["chunked"] = ingest("chunked", meta, store_db, args, None)
        if not results["chunked"]["ok"]:
            raise SystemExit(f"could not build the {n:,}-row store: {results['chunked']['error']}")
    if not args.skip_ingest_peer:
        peer_db = OUT_DIR / "peer_ingest.db"
        results["peer"] = ingest("peer", meta, peer_db, args, None)
        if results["sync"] and results["sync"]["observations"] != n:
            smaller = generate.prefix_file(meta, results["sync"]["observations"])
            results["peer_same_n"] = ingest("peer", smaller, peer_db, args, None)
        remove_db(peer_db)

    # 3. where the import spends its time
    profile_meta = meta if n <= 1.25 * args.profile_rows else generate.prefix_file(meta, args.profile_rows)
    log(f"profiling sync_file on {profile_meta['observations']:,} rows")
    result = run_child([PYTHON, str(BENCH_DIR / "ingest.py"), "profile", profile_meta["path"], str(OUT_DIR / "profile.db"),
                        "--memory-limit-gb", str(args.memory_limit_gb)], timeout=3 * args.ingest_timeout)
    results["ingest_profile"] = result.json() if result.returncode == 0 else {"error": child_error(result)}
    remove_db(OUT_DIR / "profile.db")

    # 4. answers
    log(f"answer latency: {args.questions:,} questions × bot, pandas, duckdb")
    result = run_child([PYTHON, str(BENCH_DIR / "ask_latency.py"), meta["path"], str(store_db), "--questions", str(args.questions)])
    if result.returncode != 0:
        raise SystemExit(f"ask_latency failed: {child_error(result)}")
    results["answers"] = result.json()
    results["answers"]["peak_mb_child"] = result.peak_mb

    # 5. cold start
    log(f"cold start × {args.cold_runs}")
    if not store_db.exists():  # bot.py would create and seed a store at a wrong path: never time that
        raise SystemExit(f"{store_db} is missing")
    env = {**__import__("os").environ, "TRADEBOT_DB": str(store_db.resolve())}
    runs = []
    for _ in range(args.cold_runs):
        result = run_child([PYTHON, str(PROJECT_DIR / "bot.py"), "ask", "surplus china"], env=env, timeout=120)
        runs.append({"seconds": result.seconds, "peak_mb": result.peak_mb, "ok": result.returncode == 0,
                     "first_line": result.stdout.strip().splitlines()[0] if result.stdout.strip() else result.stderr[-200:]})
    results["cold"] = {"runs": runs, "seconds": statistics.median(r["seconds"] for r in runs),
                       "peak_mb": statistics.median(r["peak_mb"] for r in runs), "ok": all(r["ok"] for r in runs)}

    # 6. end to end
    log(f"end to end: {args.interactions} interactions, {args.in_flight} in flight")
    e2e = [PYTHON, str(BENCH_DIR / "end_to_end.py"), meta["path"], str(store_db)]
    # the bot in a process of its own, so the fake's work is not in its numbers; then the fake on the
    # bot's loop, as in the tests (the difference is the fake's share); then one in flight
    every = ["--interactions", str(args.interactions)]
    runs = {"e2e": [*every, "--in-flight", str(args.in_flight), "--bot-process"],
            "e2e_200": [*every, "--in-flight", "200", "--bot-process"],
            "e2e_shared_loop": [*every, "--in-flight", str(args.in_flight)],
            "e2e_serial": ["--interactions", "200", "--in-flight", "1", "--warmup", "20", "--bot-process"],
            # where the bot's time goes: the same run under cProfile (its numbers are not reported as speed)
            "e2e_profile": [*every, "--in-flight", str(args.in_flight), "--bot-process", "--profile", str(OUT_DIR / "profile_bot.txt")]}
    for name, options in runs.items():
        result = run_child([*e2e, *options], timeout=900)
        results[name] = result.json() if result.returncode == 0 else {"error": child_error(result)}

    # 7. the real data: the first run's store build and each kind of answer on it
    log("real data: building the default store from data/seed and timing answers on it")
    result = run_child([PYTHON, str(BENCH_DIR / "answer_latency.py"), "1000", "--json"], timeout=900)
    results["real"] = result.json() if result.returncode == 0 else {"error": child_error(result)}

    results["total_seconds"] = time.perf_counter() - started
    results["loads"] = [(step, load) for step, load in LOADS if not step.startswith(" ")]
    results["code"] = CODE
    (OUT_DIR / f"results_{n}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    text = render(results)
    args.results.write_text(text, encoding="utf-8")
    print(text)


# --- the report -----------------------------------------------------------------------------


def mark(ok: bool | None) -> str:
    return "n/a" if ok is None else "**met**" if ok else "**missed**"


def end_to_end_time(r: dict) -> list[str]:
    """Why end to end is as fast as it is: the bot's CPU a command, what the target would need,
    and the event loop's own time by package under cProfile."""
    e, profiled = r.get("e2e", {}), r.get("e2e_profile", {})
    if "bot_cpu_ms_per_command" not in e:
        return []
    cpu, in_flight = e["bot_cpu_ms_per_command"], e["in_flight"]
    lines = ["", f"End to end, {in_flight} in flight: the bot's process used {cpu:.2f} ms of CPU a command (all its threads, "
             f"from /proc), so one core serves at most {1000 / cpu:,.0f} commands/s and a command waits behind the others in "
             f"flight: p99 ≈ {in_flight} × {cpu:.2f} = {in_flight * cpu:.0f} ms. p99 ≤ {TARGETS['e2e_p99_ms']:.0f} ms at "
             f"{in_flight} in flight needs ≤ {TARGETS['e2e_p99_ms'] / in_flight:.2f} ms a command, or the commands spread "
             "over processes (each a slice of the shards)."]
    if "profile_by_package" in profiled:
        total = sum(profiled["profile_by_package"].values()) or 1
        lines += ["", f"Own time of the event loop's thread over {profiled['interactions']} commands under cProfile, by where "
                  "the code lives (answers run on the store's reading thread and are not in it; full listing in "
                  "bench/out/profile_bot.txt):", "", "| code | seconds | share |", "|---|---|---|"]
        lines += [f"| {where} | {seconds:.2f} | {seconds / total * 100:.1f}% |"
                  for where, seconds in list(profiled["profile_by_package"].items())[:10]]
    return lines


def render(r: dict) -> str:
    m, a, n = r["machine"], r["answers"], r["data"]["observations"]
    lines = [
        "# tradebot benchmarks", "",
        f"Run {r['date']} by `bench/run.py --observations {r['requested']:,} --questions {r['questions']:,}` "
        f"({r['total_seconds'] / 60:.0f} min). Code: commit {r['git']['commit']}"
        + (f" with uncommitted changes to {', '.join(x.split()[-1] for x in r['git']['modified'])} (diff {r['git']['diff_sha1']})"
           if r["git"]["modified"] else "") + ".", "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; Python {m['python']}; SQLite {m['sqlite']}; {m['platform']}.", "",
        *(["Code as each step began: " + ", ".join(f"{step} {code}" for step, code in r["code"]) + " (commit+hash of the uncommitted diff; "
           "the import and answer paths were being changed while these ran).", ""] if len({code for _step, code in r.get("code", [])}) > 1 else []),
        "1-minute load average as each step began (above ~1 means something else was running too): "
        + ", ".join(f"{step} {load:.2f}" for step, load in r.get("loads", [])) + ".", "",
        f"Data: **N = {n:,} observations** ({r['data']['reporters']} reporters × 60 partners × 3 indicators × {r['data']['months']} months), "
        f"SDMX-CSV {r['data']['bytes'] / 1e9:.2f} GB, generated in {r['data']['seconds']:.0f} s"
        + (" (reused from bench/out)" if r["data"]["reused"] else "") + ".", "",
        "| figure | tradebot | peer(s) | ratio | target | |", "|---|---|---|---|---|---|",
    ]
    # ingest
    sync, peer = r.get("sync"), r.get("peer_same_n") or r.get("peer")
    failed = [x for x in r["sync_attempts"] if not x["ok"]]
    for attempt in failed:
        lines.append(f"| import, `sync_file` at {attempt['observations']:,} | failed: {attempt['error']} | | | | |")
    if sync:
        ratio = sync["rate"] / peer["rate"] if peer and peer.get("ok") else None
        peer_text = "skipped"
        if peer and peer.get("ok"):
            peer_text = f"pandas read_csv + to_sql: {peer['rate']:,.0f} obs/s ({peer['observations']:,} rows, {peer['seconds']:.0f} s)"
        ok_rate = sync["rate"] >= TARGETS["ingest_rate"]
        ok_ratio = None if ratio is None else ratio >= TARGETS["ingest_vs_pandas"]
        lines.append(f"| import, `sync_file` at {sync['observations']:,}{' (largest that worked)' if sync['observations'] != n else ''} | "
                     f"{sync['rate']:,.0f} obs/s ({sync['seconds']:.1f} s, peak {sync['peak_mb']:,.0f} MB) | {peer_text} | "
                     f"{'' if ratio is None else f'{ratio:.2f}×'} | ≥ 300,000 obs/s; ≥ 2× pandas | "
                     f"{mark(ok_rate and sync['observations'] >= n)} / {mark(ok_ratio)} |")
    if r.get("chunked"):
        c = r["chunked"]
        lines.append(f"| import at {n:,} through `imf_imts.parse` + `add_figures` in 1M-row transactions (how the N store was built) | "
                     f"{c['rate']:,.0f} obs/s ({c['seconds']:.0f} s, peak {c['peak_mb']:,.0f} MB) | | | (not a target: diagnostic) | |")
    if r.get("peer_same_n") and r.get("peer", {}).get("ok"):
        p = r["peer"]
        lines.append(f"| pandas import peer at {p['observations']:,} | | "
                     f"{p['rate']:,.0f} obs/s ({p['seconds']:.0f} s, peak {p['peak_mb']:,.0f} MB) | | | |")
    # answers
    bot = a["bot"]
    pd_, dk = a.get("pandas"), a.get("duckdb")
    vs_pd = pd_["p99_ms"] / bot["p99_ms"] if pd_ else None
    vs_dk = dk["p99_ms"] / bot["p99_ms"] if dk else None
    lines.append(
        f"| answer latency, `ask(store, text)`, {a['questions']:,} mixed questions ({a['errors']} errors) | "
        f"p50 {bot['p50_ms']:.2f} ms, p99 {bot['p99_ms']:.2f} ms | "
        + (f"pandas p50 {pd_['p50_ms']:.2f} / p99 {pd_['p99_ms']:.2f} ms; "
           f"duckdb p50 {dk['p50_ms']:.2f} / p99 {dk['p99_ms']:.2f} ms" if pd_ and dk else "skipped")
        + " | " + (f"p99: pandas/bot {vs_pd:.2f}×, duckdb/bot {vs_dk:.2f}× "
                   f"(p50: {pd_['p50_ms'] / bot['p50_ms']:.2f}×, {dk['p50_ms'] / bot['p50_ms']:.2f}×)" if pd_ and dk else "")
        + f" | p99 ≤ 1.5 ms; ≥ 5× pandas; ≥ 5× duckdb | {mark(bot['p99_ms'] <= TARGETS['answer_p99_ms'])} / "
        f"{mark(None if vs_pd is None else vs_pd >= TARGETS['answer_vs_pandas'])} / "
        f"{mark(None if vs_dk is None else vs_dk >= TARGETS['answer_vs_duckdb'])} |")
    only = a["bot_answer_only"]
    lines.append(f"| answer latency, `answer(store, query)` on parsed queries (what the peers do) | "
                 f"p50 {only['p50_ms']:.2f} ms, p99 {only['p99_ms']:.2f} ms | | "
                 + (f"p99: pandas/bot {pd_['p99_ms'] / only['p99_ms']:.2f}×, duckdb/bot {dk['p99_ms'] / only['p99_ms']:.2f}×"
                    if pd_ and dk else "") + " | | |")
    c = r["cold"]
    lines.append(f"| cold start, `bot.py ask \"surplus china\"`, median of {len(c['runs'])} | {c['seconds']:.2f} s, {c['peak_mb']:.0f} MB peak RSS"
                 + ("" if c["ok"] else " (**a run failed**)")
                 + f" | | | ≤ 1.5 s; ≤ 200 MB | {mark(c['seconds'] <= TARGETS['cold_seconds'])} / {mark(c['peak_mb'] <= TARGETS['cold_mb'])} |")
    e = r["e2e"]
    if "error" in e:
        lines.append(f"| end to end | failed: {e['error']} | | | ≤ 30 ms p99 | |")
    else:
        lines.append(f"| end to end, INTERACTION_CREATE → callback, {e['interactions']} slash commands, {e['in_flight']} in flight "
                     f"({e['errors']} errors) | p50 {e['p50_ms']:.1f} ms, p99 {e['p99_ms']:.1f} ms ({e['throughput_per_s']:.0f}/s"
                     + (f"; bot CPU {e['bot_cpu_ms_per_command']:.2f} ms a command" if "bot_cpu_ms_per_command" in e else "")
                     + ") | | | "
                     f"p99 ≤ 30 ms (bot in its own process) | {mark(e['p99_ms'] <= TARGETS['e2e_p99_ms'])} |")
    for name, what in (("e2e_200", "200 in flight, bot in its own process"),
                       ("e2e_shared_loop", f"{r['e2e'].get('in_flight', 50)} in flight, the fake on the bot's event loop (diagnostic)"),
                       ("e2e_serial", "one in flight (diagnostic)")):
        s = r.get(name, {})
        if "p50_ms" in s:
            lines.append(f"| end to end, {what}, {s['interactions']} commands | p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms "
                         f"({s['throughput_per_s']:.0f}/s) | | | | |")

    lines += ["", "## Answer latency by kind of question (ms)", "",
              "| kind | bot p50 | bot p99 | pandas p50 | pandas p99 | duckdb p50 | duckdb p99 |", "|---|---|---|---|---|---|---|"]
    for kind, b in a["bot_by_kind"].items():
        p = (pd_ or {}).get("by_kind", {}).get(kind, {})
        d = (dk or {}).get("by_kind", {}).get(kind, {})
        nan = float("nan")
        lines.append(f"| {kind} | {b['p50_ms']:.2f} | {b['p99_ms']:.2f} | {p.get('p50_ms', nan):.2f} | {p.get('p99_ms', nan):.2f} | "
                     f"{d.get('p50_ms', float('nan')):.2f} | {d.get('p99_ms', float('nan')):.2f} |")
    if pd_ and dk:
        lines += ["", f"Peers loaded the same CSV in {pd_['load_seconds']:.0f} s (pandas, {pd_['rows']:,} rows) and {dk['load_seconds']:.0f} s "
                  f"(duckdb, {dk['rows']:,} rows). Headlines that differ from the bot's: pandas {pd_['mismatches']}, duckdb {dk['mismatches']}."]
    lines += ["", "Example answers: " + "; ".join(f"`{text}` → {title}" for _kind, text, title in a["examples"][:3])]

    real = r.get("real", {})
    if "by_kind" in real:
        lines += ["", "## The real data (data/seed: seed table, China Customs' bulletin, Census pages, USITC workbooks)", "",
                  f"First run: the store built in {real['build_seconds']:.1f} s ({real['figures']:,} figures).", "",
                  "| kind | questions | answers | p50 ms | p99 ms |", "|---|---|---|---|---|"]
        lines += [f"| {kind} | {real['kinds'][kind]} | {k['count']} | {k['p50_ms']:.2f} | {k['p99_ms']:.2f} |"
                  for kind, k in real["by_kind"].items()]
    elif real:
        lines += ["", f"Real-data benchmark failed: {real.get('error')}"]
    lines += ["", "## Where the time goes", ""]
    prof = r.get("ingest_profile", {})
    if "phases" in prof:
        lines += [f"Import of {prof['rows']:,} rows by `sync_file`, step by step (no profiler):", "", "| step | seconds | share |", "|---|---|---|"]
        total = sum(prof["phases"].values()) or 1
        small = [seconds for seconds in prof["phases"].values() if seconds / total < 0.005]
        for name, seconds in prof["phases"].items():
            if seconds / total >= 0.005:
                lines.append(f"| {name} | {seconds:.2f} | {seconds / total * 100:.1f}% |")
        if small:
            lines.append(f"| {len(small)} more steps under 0.5% each | {sum(small):.2f} | {sum(small) / total * 100:.1f}% |")
        lines += ["", f"Parsing alone (`imf_imts.batches`): {prof.get('parse_seconds', 0):.1f} s "
                  f"({prof['rows'] / (prof.get('parse_seconds') or 1):,.0f} rows/s), part of “the rest” above.",
                  "", f"cProfile of that parse, top 10 by cumulative time ({prof['profiled_seconds']:.1f} s under the profiler; "
                  "full listing in bench/out/profile_ingest.txt):", "",
                  "| function | calls | own s | cumulative s |", "|---|---|---|---|"]
        lines += [f"| `{x['function']}` | {x['calls']:,} | {x['tottime']:.2f} | {x['cumtime']:.2f} |" for x in prof["cumulative"][:10]]
        lines += ["", "Top 10 by own time:", "", "| function | calls | own s | cumulative s |", "|---|---|---|---|"]
        lines += [f"| `{x['function']}` | {x['calls']:,} | {x['tottime']:.2f} | {x['cumtime']:.2f} |" for x in prof["tottime"][:10]]
    elif prof:
        lines.append(f"Import profile failed: {prof.get('error')}")
    lines += end_to_end_time(r)
    lines += ["", "cProfile of `ask(store, text)` over the first 2,000 questions, top 10 by cumulative time (bench/out/profile_answers.txt):", "",
              "| function | calls | own s | cumulative s |", "|---|---|---|---|"]
    lines += [f"| `{x['function']}` | {x['calls']:,} | {x['tottime']:.2f} | {x['cumtime']:.2f} |" for x in a["profile_cumulative"][:10]]
    if a.get("profile_plain_cumulative"):
        lines += ["", "The same over questions that are not rankings (latest, bilateral month, year to date, year on year), "
                  "top 10 by cumulative time:", "", "| function | calls | own s | cumulative s |", "|---|---|---|---|"]
        lines += [f"| `{x['function']}` | {x['calls']:,} | {x['tottime']:.2f} | {x['cumtime']:.2f} |" for x in a["profile_plain_cumulative"][:10]]
        lines += ["", "and top 10 by own time:", "", "| function | calls | own s | cumulative s |", "|---|---|---|---|"]
        lines += [f"| `{x['function']}` | {x['calls']:,} | {x['tottime']:.2f} | {x['cumtime']:.2f} |" for x in a["profile_plain_tottime"][:10]]

    history = []
    for path in sorted(OUT_DIR.glob("results_*.json"), key=lambda p: int(p.stem.split("_")[1])):
        try:
            h = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        s, ha = h.get("sync"), h["answers"]
        history.append(
            f"| {h['data']['observations']:,} | {h['date']} | "
            + (f"{s['rate']:,.0f} at {s['observations']:,}" if s else "failed") + " | "
            + (f"{h['peer']['rate']:,.0f}" if h.get("peer", {}).get("ok") else "–") + " | "
            + f"{ha['bot']['p50_ms']:.2f} / {ha['bot']['p99_ms']:.2f} | "
            + (f"{ha['pandas']['p99_ms']:.2f} / {ha['duckdb']['p99_ms']:.2f}" if "pandas" in ha else "–") + " | "
            + f"{h['cold']['seconds']:.2f} s, {h['cold']['peak_mb']:.0f} MB | "
            + (f"{h['e2e']['p99_ms']:.1f}" if "p99_ms" in h["e2e"] else "–") + " |")
    if history:
        lines += ["", "## Runs kept in bench/out (one per N, newest each)", "",
                  "| N | date | sync_file obs/s | pandas import obs/s | answer p50 / p99 ms | pandas / duckdb p99 ms | cold start | e2e p99 ms |",
                  "|---|---|---|---|---|---|---|---|", *history]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
