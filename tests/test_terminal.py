"""Issue 18, the terminal: every failure one line and a documented exit code, answers laid out
at a terminal (and plain text in a pipe), a progress bar for long work. Through the real
`python bot.py`, on a pseudo-terminal where a person would have one."""

from __future__ import annotations

import io
import logging
import os
import re
import sqlite3
import subprocess
import sys

import pytest

import bot as entry
from tradebot import terminal
from tradebot.progress import Step

from conftest import PROJECT_DIR

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7]m")  # a foreground colour (bold and dim are not colours)


def run_bot(*args: str, db, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DISCORD_TOKEN": "", "TRADEBOT_DB": str(db), **env}
    environment.pop("LOG_LEVEL", None)
    return subprocess.run([sys.executable, str(PROJECT_DIR / "bot.py"), *args], capture_output=True, text=True,
                          env=environment, cwd=PROJECT_DIR, timeout=120)


def figure_count(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM figures").fetchone()[0]


@pytest.mark.parametrize(("args", "says"), [
    (["sync"], "one of the arguments --file --source is required"),
    (["sync", "--source", "census2"], "argument --source: invalid choice: 'census2'"),
    (["frobnicate"], "argument command: invalid choice: 'frobnicate'"),
    (["ask"], "the following arguments are required: text"),
    (["sync", "--source", "imf", "--since", "2025"], "argument --since: “2025” is not a month: write it YYYY-MM"),
    (["sync", "--source", "imf", "--since", "2025-13"], "“2025-13” is not a month"),
    (["sync", "--source", "imf", "--reporters", "CHN,narnia"], "I don't know a country called “narnia”"),
])
def test_a_mistake_in_the_arguments_is_one_line_and_exit_two(db_path, args, says):
    """argparse printed its usage block first; a reporter code nobody has (`XXX`) and a `--since`
    that is no month went to the IMF as they were."""
    result = run_bot(*args, db=db_path)
    assert result.returncode == entry.USAGE == 2
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ") and says in result.stderr and result.stderr.endswith("--help`)\n")


def test_reporters_may_be_names_or_codes():
    assert entry.reporters_argument("CHN, united states,viet nam") == ("CHN", "USA", "VNM")


def test_offline_sync_is_one_line_and_exit_one(db_path, monkeypatch, capsys):
    """Issue 18: offline, `sync --source imf` printed three retry warnings before its error. The
    retries still happen (a live run keeps them, logged at INFO), and the run ends in one line."""
    from tradebot.sources import http

    async def no_wait(seconds):
        return None

    monkeypatch.setattr(http.asyncio, "sleep", no_wait)
    monkeypatch.setenv("TRADEBOT_DB", str(db_path))
    monkeypatch.setenv("TRADEBOT_IMF_URL", "http://127.0.0.1:9/sdmx")  # nothing listens on the discard port
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    before = figure_count(db_path)
    try:
        assert entry.cli(["sync", "--source", "imf", "--reporters", "CHN"]) == entry.FAILED
    finally:
        logging.getLogger().handlers[:] = []
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err
    assert err.startswith("error: Could not reach 127.0.0.1:9: connection refused ") and "(4 tries, http://127.0.0.1:9/sdmx/" in err
    assert figure_count(db_path) == before


def test_a_database_that_cannot_be_opened_or_is_not_one_is_one_line(tmp_path):
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("shopping list\n" * 100)
    result = run_bot("ask", "surplus china", db=not_a_database)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"error: The database {not_a_database} cannot be used (file is not a database): " \
                            "if it is not tradebot's, point TRADEBOT_DB elsewhere.\n"
    folder = tmp_path / "a folder"
    folder.mkdir()
    result = run_bot("ask", "surplus china", db=folder)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: The database {folder} cannot be opened (unable to open database file)")


def test_a_seed_folder_that_is_not_there_is_one_line(tmp_path):
    result = run_bot("ask", "surplus china", db=tmp_path / "new.db", TRADEBOT_SEED_DIR=str(tmp_path / "gone"))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"error: The seed folder {tmp_path / 'gone'} cannot be read (No such file or directory): it holds "
                             "the bundled data; set TRADEBOT_SEED_DIR to it (default data/seed in the project).\n")


def test_a_bug_is_one_line_and_exit_seventy(monkeypatch, capsys):
    """Whatever goes wrong unforeseen is one line naming it, not a traceback; LOG_LEVEL=DEBUG has the traceback."""
    def broken(argv):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(entry, "main", broken)
    assert entry.cli(["ask", "surplus china"]) == entry.SOFTWARE == 70
    assert capsys.readouterr().err == ("error: unexpected ZeroDivisionError: division by zero — a bug in tradebot; "
                                       "LOG_LEVEL=DEBUG shows where.\n")


# --- answers at a terminal ---

pexpect = pytest.importorskip("pexpect") if sys.platform != "win32" else None
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal needs POSIX")


def at_terminal(*args: str, db, columns: int = 140, **env: str) -> tuple[str, int]:
    """What `bot.py ARGS` prints on a pseudo-terminal, and its exit code."""
    environment = {**os.environ, "DISCORD_TOKEN": "", "TRADEBOT_DB": str(db), "TERM": "xterm-256color", **env}
    for name in ("NO_COLOR", "LOG_LEVEL", "COLUMNS"):
        if name not in env:
            environment.pop(name, None)
    child = pexpect.spawn(sys.executable, [str(PROJECT_DIR / "bot.py"), *args], cwd=str(PROJECT_DIR), env=environment,
                          encoding="utf-8", timeout=120, dimensions=(50, columns))
    child.expect(pexpect.EOF)
    child.close()
    return child.before.replace("\r\n", "\n"), child.exitstatus


@posix_only
def test_at_a_terminal_an_answer_is_aligned_and_coloured(db_path):
    shown, code = at_terminal("ask", "/surplus china period:2025-11", db=db_path)
    assert code == 0 and "Traceback" not in shown
    assert COLOUR.search(shown), "growth and the title's tone are coloured"
    lines = [line.rstrip() for line in ANSI.sub("", shown).splitlines() if line.strip()]
    assert lines[0] == "China — trade surplus, November 2025: $111.7 bn (+14.6% y/y, computed)"
    figures = {line.split(":")[0]: line for line in lines[1:5]}
    # the amounts end in one column (right-aligned), whatever the label's length
    ends = {name: re.search(r"\d (?:bn|tn)", line).end() for name, line in figures.items()}
    assert len(set(ends.values())) == 1, lines[1:5]
    assert figures["Exports"].split() == ["Exports:", "$330.0", "bn", "(+5.9%", "y/y)"]
    assert lines[-1].startswith("Source: China Customs (GACC)")


@posix_only
def test_no_color_keeps_the_layout_and_drops_the_colour(db_path):
    shown, code = at_terminal("ask", "china's top export markets", db=db_path, NO_COLOR="1")
    assert code == 0 and not COLOUR.search(shown)
    lines = ANSI.sub("", shown).splitlines()
    ranked = [line for line in lines if re.match(r"\d+\. ", line)]
    assert len(ranked) == 15
    assert len({re.search(r"\d (?:bn|tn) ", line).end() for line in ranked}) == 1  # amounts right-aligned in one column


def test_in_a_pipe_an_answer_is_its_plain_text(store):
    """Scripts read `Name: value` lines: no layout, no escape codes off a terminal."""
    from tradebot.answers import ask

    answer = ask(store, "/surplus china period:2025-11")
    out = io.StringIO()
    terminal.show(answer, out)
    assert out.getvalue() == answer.text + "\n"


# --- progress ---


def test_off_a_terminal_progress_is_a_log_line_now_and_then(monkeypatch, caplog):
    monkeypatch.setattr(terminal, "LOG_EVERY_SECONDS", 0.0)
    caplog.set_level(logging.INFO, logger="tradebot.progress")
    with terminal.progress_shown(io.StringIO()) as progress:
        progress(Step("importing big.csv.gz", 0, 6_000_000_000))
        progress(Step("importing big.csv.gz", 1_500_000_000, 6_000_000_000, figures=2_400_000))
        progress(Step("fetching IMF IMTS", 5, 29, "reporters", 1240))
    assert [record.getMessage() for record in caplog.records] == [
        "importing big.csv.gz: 0 bytes of 6.0 GB, 0 figures (0%)",
        "importing big.csv.gz: 1.5 GB of 6.0 GB, 2,400,000 figures (25%)",
        "fetching IMF IMTS: 5 of 29 reporters, 1,240 figures (17%)",
    ]


@pytest.fixture(scope="module")
def big_imf_file(tmp_path_factory):
    """A valid IMF IMTS file big enough to take seconds to import (bench/generate.py's, 600,000 observations)."""
    sys.path.insert(0, str(PROJECT_DIR / "bench"))
    try:
        from generate import generate
    finally:
        sys.path.pop(0)
    path = tmp_path_factory.mktemp("imf") / "imf_bulk.csv"
    generate(path, 600_000, progress=False)
    return path


@posix_only
def test_a_long_import_shows_a_bar_and_ctrl_c_leaves_the_store_as_it_was(db_path, big_imf_file):
    """At a terminal a long import draws a bar (the file's size, how much is read, figures so far);
    Ctrl-C mid-import is one line and exit 130, and not one of its figures is stored."""
    before = figure_count(db_path)
    environment = {**os.environ, "DISCORD_TOKEN": "", "TRADEBOT_DB": str(db_path), "TERM": "xterm"}
    environment.pop("LOG_LEVEL", None)
    child = pexpect.spawn(sys.executable, [str(PROJECT_DIR / "bot.py"), "sync", "--file", str(big_imf_file)],
                          cwd=str(PROJECT_DIR), env=environment, encoding="utf-8", timeout=120, dimensions=(30, 160))
    child.expect(r"importing imf_bulk\.csv .* MB of \d+\.\d MB, [\d,]+ figures")
    child.expect(r"[1-9][\d,]* figures")  # rows have been read: the import is under way
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    after_bar = ANSI.sub("", child.before).replace("\r", "\n")
    assert child.exitstatus == entry.INTERRUPTED == 130
    assert "interrupted: nothing was changed by the unfinished work." in after_bar and "Traceback" not in after_bar
    assert figure_count(db_path) == before


def test_off_a_terminal_a_long_import_prints_only_its_report(db_path, big_imf_file):
    result = run_bot("sync", "--file", str(big_imf_file), db=db_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and "\x1b" not in result.stdout
    assert result.stdout.startswith("imf_bulk.csv (IMF IMTS CSV): read 604,800, added 604,800")
