"""The ★ CLI contract, through the real `python bot.py` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import PROJECT_DIR

FIGURE_KEYS = {"reporter", "partner", "indicator", "period", "value", "unit", "source", "published", "derived"}


def run_bot(*args: str, db=None, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DISCORD_TOKEN": "", **env}
    if db is not None:
        environment["TRADEBOT_DB"] = str(db)
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bot.py"), *args],
        input=stdin, capture_output=True, text=True, env=environment, cwd=PROJECT_DIR, timeout=60,
    )


def test_ask_json_has_exactly_the_contract_shape(db_path):
    result = run_bot("ask", "--json", "/surplus china period:2025-11", db=db_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"query", "text", "figures", "error"}
    assert payload["query"] == {"intent": "balance", "reporter": "CHN", "partner": "WLD", "period": "2025-11"}
    assert payload["error"] is None
    assert all(set(figure) == FIGURE_KEYS for figure in payload["figures"])
    balance = payload["figures"][0]
    assert balance == {
        "reporter": "CHN", "partner": "WLD", "indicator": "balance", "period": "2025-11", "value": 111680000000,
        "unit": "USD", "source": "China Customs (GACC)", "published": "2025-12", "derived": False,
    }
    assert isinstance(balance["value"], int)
    assert payload["text"].startswith("China — trade surplus, November 2025: $111.7 bn")


def test_ask_prints_text_and_exits_zero(db_path):
    result = run_bot("ask", "surplus", "china", db=db_path)
    assert result.returncode == 0
    assert result.stdout.startswith("China — trade surplus, July 2026: CNY 766.0 bn")
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("text", "code"),
    [("surplus narnia", "unknown_country"), ("/surplus china period:2031", "bad_period"), ("", "not_understood"),
     ("/exports china period:2019-05", "no_data")],
)
def test_ask_that_cannot_answer_exits_one_with_an_error_code(db_path, text, code):
    result = run_bot("ask", "--json", text, db=db_path)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["error"]["code"] == code
    assert payload["figures"] == []
    assert payload["text"] == payload["error"]["message"]
    assert "Traceback" not in result.stderr


def test_a_missing_database_is_created_and_seeded_on_first_use(tmp_path):
    db = tmp_path / "fresh" / "tradebot.db"
    result = run_bot("ask", "--json", "/exports china partner:asean period:Jan-Nov 2025", db=db)
    assert result.returncode == 0, result.stderr
    assert db.exists()
    assert json.loads(result.stdout)["figures"][0]["value"] == 599033500000


def test_a_broken_seed_is_one_line_exit_one_and_no_traceback(tmp_path, seed_copy):
    path = seed_copy / "published_figures.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace("USD", "dollars", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_bot("ask", "surplus china", db=tmp_path / "t.db", TRADEBOT_SEED_DIR=str(seed_copy))
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: published_figures.csv line 5: unit “dollars” is neither an ISO currency code "
                                     "(USD, CNY, JPY …) nor percent, percent_cny …")


@pytest.mark.parametrize("args", [(), ("run",)])
def test_run_without_a_token_is_one_line_and_exit_two(args, tmp_path):
    result = run_bot(*args, db=tmp_path / "t.db")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0] and "python bot.py console" in lines[0]
    assert "discord.com/developers" in lines[0]


def test_console_answers_each_line(db_path):
    result = run_bot("console", db=db_path, stdin="surplus china\n/exports china partner:us period:2025-11\nsurplus narnia\nquit\n")
    assert result.returncode == 0
    assert "China — trade surplus, July 2026: CNY 766.0 bn" in result.stdout
    assert "China — exports to United States, November 2025: $33.8 bn (−28.6% y/y)" in result.stdout
    assert "I don't know a country called “narnia”" in result.stdout


def test_console_json_prints_one_ask_object_per_input_line(db_path):
    """One object per question; a blank line asks nothing, so it prints nothing (issue 18: it
    printed a not_understood error object)."""
    lines = ["surplus china", "", "/imports china period:2025-02", "   ", "bogus words here"]
    result = run_bot("console", "--json", db=db_path, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["error"]["code"] if o["error"] else None for o in objects] == [None, None, "not_understood"]
    assert objects[1]["query"]["period"] == "2025-01..2025-02"


def test_a_line_that_cannot_be_read_reports_no_query_and_the_thread_goes_on(db_path):
    """Issue 18: a failed `--json` line carried the previous question's `query`, as if it had been
    asked again; `ask --json` gave an unread line an invented intent and period. Nothing was
    understood, so every key is null, and the next follow-up still has the earlier context."""
    lines = ["/surplus china period:2025-11", "blah blah", "surplus narnia", "and imports?"]
    result = run_bot("console", "--json", db=db_path, stdin="\n".join(lines) + "\n")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    nothing = {"intent": None, "reporter": None, "partner": None, "period": None}
    assert [o["query"] for o in objects[1:3]] == [nothing, nothing]
    assert [o["error"]["code"] for o in objects[1:3]] == ["not_understood", "unknown_country"]
    assert objects[3]["query"] == {"intent": "imports", "reporter": "CHN", "partner": "WLD", "period": "2025-11"}
    alone = json.loads(run_bot("ask", "--json", "blah blah", db=db_path).stdout)
    assert alone["query"] == nothing and alone["figures"] == []


def test_console_csv_adds_each_answers_figures_instead_of_overwriting(db_path, tmp_path):
    """Issue 18: `console --csv PATH` rewrote the file after each answer, keeping only the last."""
    path = tmp_path / "figures.csv"
    result = run_bot("console", "--csv", str(path), db=db_path, stdin="surplus china\n/tariffs vietnam\nquit\n")
    assert result.returncode == 0, result.stderr
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("reporter,partner,indicator") and sum(line.startswith("reporter,") for line in lines) == 1
    assert any(line.startswith("CHN,WLD,balance") for line in lines) and any(line.startswith("USA,VNM,duties") for line in lines)


pexpect = pytest.importorskip("pexpect") if sys.platform != "win32" else None


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal needs POSIX")
def test_the_console_at_a_terminal_edits_recalls_history_and_leaves_cleanly_on_ctrl_c_and_ctrl_d(db_path, tmp_path):
    """Issue 18, typed into the real console on a pseudo-terminal: the Up arrow recalls the last
    question (it used to send `^[[A` as text), Ctrl-C at the prompt gives a new prompt, Ctrl-C
    while an answer is worked out drops that answer and keeps the thread, Ctrl-D leaves with a
    newline; no traceback anywhere, no chart written, and the history is kept for the next start."""
    env = {**os.environ, "DISCORD_TOKEN": "", "TRADEBOT_DB": str(db_path), "XDG_DATA_HOME": str(tmp_path), "TERM": "xterm"}
    child = pexpect.spawn(sys.executable, [str(PROJECT_DIR / "bot.py"), "console"], cwd=str(tmp_path), env=env,
                          encoding="utf-8", timeout=30)
    child.expect_exact("tradebot> ")
    child.sendline("surplus china")
    child.expect_exact("China — trade surplus, July 2026")
    child.expect_exact("tradebot> ")
    child.send("\x1b[A")  # Up: the question again, editable
    child.expect_exact("surplus china")  # redrawn by readline: it is reading (a key sent earlier can race it)
    child.sendline("")
    child.expect_exact("China — trade surplus, July 2026")
    child.expect_exact("tradebot> ")
    child.send("half a quest")
    child.expect_exact("half a quest")
    child.sendintr()  # Ctrl-C at the prompt drops the line
    child.expect_exact("tradebot> ")
    child.sendline("chart china exports")  # a first chart loads matplotlib: about a second of work
    child.expect_exact("chart china exports\r\n")  # Enter was read: the answer is being worked out
    child.sendintr()  # Ctrl-C mid-answer: that answer is dropped, the conversation stays as it was
    child.expect_exact("(interrupted)")
    child.expect_exact("tradebot> ")
    child.sendline("and imports?")
    child.expect_exact("China — imports, July 2026")  # the follow-up still has "surplus china" as its context
    child.expect_exact("tradebot> ")
    child.sendeof()  # Ctrl-D
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in child.before and "^[[A" not in child.before
    assert (tmp_path / "tradebot" / "history").read_text(encoding="utf-8").splitlines()[-2:] == ["chart china exports", "and imports?"]
    assert not (tmp_path / "charts").exists()


def test_a_malformed_setting_is_one_line_and_exit_two(tmp_path):
    result = run_bot("ask", "surplus china", db=tmp_path / "t.db", GUILD_ID="my server")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: GUILD_ID must be a server id (digits only), not “my server”; leave it empty to sync globally."


def test_the_console_keeps_context_between_lines_like_a_thread(db_path):
    lines = ["china trade surplus november 2025", "and imports?", "what about october?", "and japan?"]
    result = run_bot("console", "--json", db=db_path, stdin="\n".join(lines) + "\n")
    queries = [json.loads(line)["query"] for line in result.stdout.splitlines()]
    assert [(q["intent"], q["reporter"], q["period"]) for q in queries[:3]] == [
        ("balance", "CHN", "2025-11"), ("imports", "CHN", "2025-11"), ("imports", "CHN", "2025-10")]
    # no partner in the thread, so "and japan?" would change the reporter, but the store has no world
    # figures from Japan and has China's imports from Japan: the thread moves to those, not to nothing
    assert (queries[3]["reporter"], queries[3]["partner"]) == ("CHN", "JPN")


def test_a_csv_path_that_cannot_be_written_is_one_line_in_ask_and_in_the_console(db_path, tmp_path):
    """Issue 16: a bad `--csv` path gave a traceback, in `ask` and in `console`."""
    missing = tmp_path / "no such folder" / "figures.csv"
    result = run_bot("ask", "surplus china", "--csv", str(missing), db=db_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: Cannot write the CSV to {missing}: No such file or directory."
    result = run_bot("console", "--csv", str(missing), db=db_path, stdin="surplus china\nand exports?\n")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout.startswith("China — trade surplus")
    assert result.stderr.strip().splitlines() == [f"error: Cannot write the CSV to {missing}: No such file or directory."] * 2


def test_a_reader_that_stops_early_is_not_a_traceback(db_path):
    """Issue 16: `bot.py sync … | head` ended in BrokenPipeError."""
    process = subprocess.Popen([sys.executable, str(PROJECT_DIR / "bot.py"), "console"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT_DIR,
                               env={**os.environ, "TRADEBOT_DB": str(db_path)})
    process.stdout.close()  # the reader is gone before the first answer
    _, stderr = process.communicate(b"surplus china\n" * 200, timeout=120)
    assert "Traceback" not in stderr.decode() and "BrokenPipe" not in stderr.decode()


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(store, tmp_path):
    """Issue 16 (OWASP CSV injection): a note or source starting with = + - @ was written as is."""
    import csv as csv_module

    from tradebot.answers import ask
    from tradebot.export import write_csv

    from conftest import TODAY

    store.add_figures([{"reporter": "NIC", "partner": "WLD", "indicator": "balance", "period_start": "2026-03",
                        "period_end": "2026-03", "value": -5.0e8, "unit": "USD", "source": "@evil",
                        "published": "2026-04-20", "retrieved_at": "", "source_url": "+1 555",
                        "note": '=HYPERLINK("https://evil.example","click")'}])
    answer = ask(store, "nicaragua trade balance march 2026", TODAY)
    path = tmp_path / "out.csv"
    write_csv(store, answer, path)
    [row] = [row for row in csv_module.DictReader(path.open(encoding="utf-8")) if row["source"].endswith("evil")]
    assert (row["source"], row["source_url"]) == ("'@evil", "'+1 555")
    assert row["note"].startswith("'=HYPERLINK")
    assert row["value"] == "-500000000.0"  # a number stays a number


def test_discord_out_of_reach_is_one_line_not_a_traceback(db_path, monkeypatch, capsys):
    """Issue 18: with Discord unreachable, `bot.py run` printed a 78-line traceback."""
    import asyncio
    from dataclasses import replace

    import discord

    import bot as entry
    from tradebot.config import Settings

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")  # the discard port: refused
    settings = replace(Settings(db_path=db_path), discord_token="abc.def.ghi")
    assert asyncio.run(entry.serve(settings)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Discord cannot be reached (") and err.endswith("`python bot.py console` works offline.")
    assert "\n" not in err and "Traceback" not in err
