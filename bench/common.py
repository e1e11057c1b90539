"""What the benchmark scripts share: paths, percentiles, the machine, and running a child
process with its own wall time and peak memory."""

from __future__ import annotations

import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
PYTHON = sys.executable


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(round(q / 100 * len(ordered) + 0.5))))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict:
    return {"count": len(seconds), "p50_ms": percentile(seconds, 50) * 1000, "p99_ms": percentile(seconds, 99) * 1000,
            "mean_ms": sum(seconds) / len(seconds) * 1000 if seconds else float("nan"),
            "max_ms": max(seconds) * 1000 if seconds else float("nan")}


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram / 2**30, 1), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def set_memory_limit(gigabytes: float | None) -> None:
    """Cap this process's address space, so running out is a MemoryError, not the OOM killer."""
    if gigabytes:
        limit = int(gigabytes * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class ChildResult:
    returncode: int | None  # None: killed after the timeout
    seconds: float
    peak_mb: float  # ru_maxrss of this child alone (os.wait4)
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def json(self) -> dict:
        """The last line of stdout that is a JSON object (what the bench scripts print)."""
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise ValueError(f"no JSON from the child (exit {self.returncode}): {self.stderr[-2000:]}")


# The measured command is started by this small launcher, not by the benchmark process:
# Linux keeps a process's peak RSS across exec, and fork + exec from a big parent would count
# the parent's peak as the child's (bench/run.py holds the generator's arrays, ~130 MB).
LAUNCHER = """
import json, os, sys, time
stats, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, dict(os.environ))
_pid, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(stats, "w") as out:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "exit": os.waitstatus_to_exitcode(status)}, out)
"""


def run_child(args: list[str], *, timeout: float | None = None, env: dict | None = None, cwd: Path = PROJECT_DIR) -> ChildResult:
    """Run a command (args[0] an absolute path); its wall time from spawn to exit and its own
    peak RSS, both taken by a small launcher process (see LAUNCHER)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out_path = OUT_DIR / f".child-{os.getpid()}-{threading.get_ident()}.out"
    err_path = out_path.with_suffix(".err")
    stats_path = out_path.with_suffix(".json")
    stats_path.unlink(missing_ok=True)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen([PYTHON, "-c", LAUNCHER, str(stats_path), *args], stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True)
        try:
            process.wait(timeout)
            killed = False
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(process.pid, 9)  # the launcher and the command
            process.wait()
        wall = time.perf_counter() - started
    stats = json.loads(stats_path.read_text()) if stats_path.exists() and not killed else None
    result = ChildResult(
        returncode=None if killed else (stats["exit"] if stats else process.returncode),
        seconds=stats["seconds"] if stats else wall, peak_mb=stats["maxrss_kb"] / 1024 if stats else float("nan"),
        stdout=out_path.read_text(encoding="utf-8", errors="replace"), stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )
    for path in (out_path, err_path, stats_path):
        path.unlink(missing_ok=True)
    return result


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def write_listing(profiler, listing: Path, lines: int = 60) -> None:
    """A cProfile run as text (by cumulative, then by own time), and its raw stats beside it
    (.prof, for pstats or snakeviz)."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines // 2)
    listing.write_text(out.getvalue(), encoding="utf-8")
    profiler.dump_stats(listing.with_suffix(".prof"))


def emit(result: dict) -> None:
    """A child's result: one JSON line on stdout."""
    print(json.dumps(result), flush=True)
