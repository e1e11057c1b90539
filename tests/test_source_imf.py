"""IMF IMTS source: the recorded SDMX-CSV responses (RobBravo/reim, see shared/data/PROVENANCE.md),
malformed copies of them, and the live fetch against a local aiohttp server replaying them."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import socket
import time
from pathlib import Path

import pandas as pd
import pytest
from aiohttp import web

from tradebot import __version__
from tradebot.answers import ask
from tradebot.errors import DataFileError, SourceUnavailable, SourceUnreachable
from tradebot.sources import imf_imts
from tradebot.store import FIGURE_COLUMNS
from tradebot.sync import sync_file, sync_source

from conftest import shared_data_dir, snapshot
from replay import Server

PROJECT_DIR = Path(__file__).resolve().parent.parent
RECORDED_TYPE = "application/vnd.sdmx.data+csv;version=2.0.0"  # the Content-Type of the recording
FLOW = "IMF.STA:IMTS(1.0.0)"
DATES = "2026-08-05T23:36:59.553138600Z,2026-08-05T23:36:59.603105500Z"  # PUBLICATION_DATE,UPDATE_DATE


def shared_imf_dir() -> Path:
    return shared_data_dir("imf_imts")


@pytest.fixture(scope="module")
def recorded() -> dict[str, bytes]:
    """The gzipped bodies as recorded, by reporter. A missing file fails: it is not a skip."""
    folder = shared_imf_dir()
    return {code: (folder / f"imf_imts_{code.lower()}_g001.csv.gz").read_bytes() for code in ("NIC", "GTM")}


@pytest.fixture(scope="module")
def nic_text(recorded) -> str:
    return gzip.decompress(recorded["NIC"]).decode("utf-8")


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def refused(text: str, name: str = "broken.csv") -> str:
    with pytest.raises(DataFileError) as caught:
        imf_imts.parse(text, name=name)
    message = caught.value.message
    assert message.startswith(name) and "\n" not in message, message
    return message


def by_key(rows: list[dict]) -> dict[tuple[str, str], float]:
    return {(row["indicator"], row["period_start"]): row["value"] for row in rows}


# --- the recorded responses ---------------------------------------------------------------


@pytest.mark.parametrize("reporter", ["NIC", "GTM"])
def test_recorded_response_imports_every_month_of_the_three_indicators(recorded, reporter, tmp_path):
    path = tmp_path / f"imf_imts_{reporter.lower()}_g001.csv.gz"
    path.write_bytes(recorded[reporter])
    rows = imf_imts.read(path, retrieved_at="2026-11-29T12:00:00+00:00")

    assert len(rows) == 1308  # 436 months (1990-01 … 2026-04) × 3 indicators
    assert all(tuple(row) == FIGURE_COLUMNS for row in rows)
    assert {row["reporter"] for row in rows} == {reporter}
    assert {row["partner"] for row in rows} == {"WLD"}
    assert {row["published"] for row in rows} == {"2026-08-05"}
    assert {(row["unit"], row["source"], row["note"], row["source_url"]) for row in rows} == {("USD", "IMF IMTS", "", "")}
    assert {row["retrieved_at"] for row in rows} == {"2026-11-29T12:00:00+00:00"}
    assert all(row["period_start"] == row["period_end"] for row in rows)
    months = sorted({row["period_start"] for row in rows})
    assert (len(months), months[0], months[-1]) == (436, "1990-01", "2026-04")
    values = by_key(rows)
    assert len(values) == 1308
    for month in months:
        exports, imports, balance = (values[(indicator, month)] for indicator in ("exports", "imports", "balance"))
        assert balance == pytest.approx(exports - imports, abs=0.01), month


def test_the_key_only_mg_fob_row_is_skipped_and_counted(nic_text):
    rows, skipped = imf_imts.parse_counted(nic_text, name="nic")
    assert len(rows) == 1308
    assert skipped == {"key-only": 1}
    assert "imports_fob" not in {row["indicator"] for row in rows}
    assert nic_text.rstrip("\n").rsplit("\n", 1)[1].startswith(f"{FLOW},,MG_FOB_USD,,,,,")


def test_values_are_full_dollars_exactly_as_recorded(recorded, nic_text):
    nic = by_key(imf_imts.parse(nic_text))
    assert nic[("exports", "2025-11")] == 396_866_009.0  # 396.9 million: SCALE=6 is not applied
    assert nic[("imports", "2025-11")] == pytest.approx(734.8e6, abs=0.05e6)
    assert nic[("imports", "1990-01")] == 70_463_718.95791951
    assert nic[("balance", "2026-04")] == -274_932_625.0
    assert nic[("exports", "2026-04")] == 601_982_690.0
    gtm = by_key(imf_imts.parse(gzip.decompress(recorded["GTM"]).decode()))
    assert gtm[("exports", "2025-11")] == 1_336_253_256.0
    assert gtm[("exports", "2025-11")] == pytest.approx(1_336.3e6, abs=0.05e6)
    assert gtm[("imports", "2025-11")] == pytest.approx(3_120.4e6, abs=0.05e6)


def test_read_tells_gzip_from_plain_by_the_bytes_not_the_name(recorded, nic_text, tmp_path):
    plain_named_gz = tmp_path / "response.csv.gz"
    plain_named_gz.write_text(nic_text, encoding="utf-8")
    gzip_named_csv = tmp_path / "response.csv"
    gzip_named_csv.write_bytes(recorded["NIC"])
    assert len(imf_imts.read(plain_named_gz)) == len(imf_imts.read(gzip_named_csv)) == 1308
    damaged = tmp_path / "damaged.csv.gz"
    damaged.write_bytes(recorded["NIC"][:5000])
    with pytest.raises(DataFileError, match=r"^damaged\.csv\.gz is a damaged gzip file"):
        imf_imts.read(damaged)
    with pytest.raises(DataFileError, match=r"^missing\.csv cannot be read"):
        imf_imts.read(tmp_path / "missing.csv")


def test_retrieved_at_defaults_to_now_in_utc_seconds(nic_text):
    row = imf_imts.parse(nic_text)[0]
    assert len(row["retrieved_at"]) == len("2026-11-29T12:00:00+00:00") and row["retrieved_at"].endswith("+00:00")


def test_the_sdmx_3_layout_gives_the_same_rows(nic_text):
    expected = imf_imts.parse(nic_text, retrieved_at="t")
    for first in ("STRUCTURE", "STRUCTURE[;]"):
        text = nic_text.replace("DATAFLOW,", f"{first},STRUCTURE_ID,ACTION,", 1).replace(f"{FLOW},", f"dataflow,{FLOW},I,")
        assert imf_imts.parse(text, retrieved_at="t") == expected
    # with attributes=none: only the identification columns, dimensions and the dates asked for
    slim = pd.read_csv(io.StringIO(nic_text), dtype=str, keep_default_na=False)
    slim = slim[["COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "FREQUENCY", "TIME_PERIOD", "OBS_VALUE", "UPDATE_DATE"]]
    slim.insert(0, "ACTION", "I")
    slim.insert(0, "STRUCTURE_ID", FLOW)
    slim.insert(0, "STRUCTURE", "dataflow")
    assert imf_imts.parse(slim.to_csv(index=False), retrieved_at="t") == expected
    deleted = text.replace(f"dataflow,{FLOW},I,NIC,XG_FOB_USD,G001,M,2025-M11,", f"dataflow,{FLOW},D,NIC,XG_FOB_USD,G001,M,2025-M11,")
    rows, skipped = imf_imts.parse_counted(deleted)
    assert (len(rows), skipped["deleted"]) == (1307, 1)


def test_quarterly_and_annual_periods_cover_their_months(nic_text):
    header, row = nic_text.split("\n")[:2]  # NIC imports 1990-M01
    quarterly = row.replace(",M,1990-M01,", ",Q,2025-Q1,")
    q4 = row.replace(",M,1990-M01,", ",Q,2025-Q4,")
    annual = row.replace(",M,1990-M01,", ",A,2025,")
    rows = imf_imts.parse("\n".join([header, quarterly, q4, annual]) + "\n")
    assert [(row["period_start"], row["period_end"]) for row in rows] == [
        ("2025-01", "2025-03"), ("2025-10", "2025-12"), ("2025-01", "2025-12"),
    ]
    message = refused("\n".join([header, row.replace(",M,1990-M01,", ",M,1990-01,")]))
    assert "line 2" in message and "TIME_PERIOD “1990-01” is not a monthly period like 2025-M10" in message


def test_partners_world_and_eu_are_mapped_other_aggregates_skipped(nic_text):
    header, *body = nic_text.rstrip("\n").split("\n")
    exports = [line for line in body if ",XG_FOB_USD,G001,M," in line][:6]
    partners = ["G001", "G998", "G163", "GX170", "TX983", "GTM"]  # GTM is Guatemala, not an aggregate
    lines = [line.replace(",XG_FOB_USD,G001,", f",XG_FOB_USD,{partner},") for line, partner in zip(exports, partners, strict=True)]
    rows, skipped = imf_imts.parse_counted("\n".join([header, *lines]))
    assert [row["partner"] for row in rows] == ["WLD", "EU27", "GTM"]
    assert skipped == {"aggregate": 3}
    world_reporter = exports[0].replace(",NIC,XG_FOB_USD,", ",G001,XG_FOB_USD,")
    assert imf_imts.parse("\n".join([header, world_reporter]))[0]["reporter"] == "WLD"
    message = refused("\n".join([header, exports[0].replace(",XG_FOB_USD,G001,", ",XG_FOB_USD,Nicaragua,")]))
    assert "line 2: COUNTERPART_COUNTRY “Nicaragua” is neither an ISO alpha-3 code nor an IMF aggregate" in message


def test_other_indicators_and_nan_values_are_skipped(nic_text):
    text = nic_text.replace(f"{FLOW},NIC,MG_CIF_USD,G001,M,1990-M01,", f"{FLOW},NIC,MG_FOB_USD,G001,M,1990-M01,")
    text = text.replace(",XG_FOB_USD,G001,M,2026-M04,601982690,", ",XG_FOB_USD,G001,M,2026-M04,NaN,")
    rows, skipped = imf_imts.parse_counted(text)
    assert len(rows) == 1306
    assert skipped == {"indicator": 1, "key-only": 2}
    assert ("exports", "2026-04") not in by_key(rows)


def test_published_falls_back_to_publication_date_and_estimates_get_a_note(nic_text):
    text = nic_text.replace(DATES, "2026-08-04T10:00:00Z,")
    assert {row["published"] for row in imf_imts.parse(text)} == {"2026-08-04"}
    assert refused(nic_text.replace(DATES, ","), name="no-dates").endswith("the vintage is unknown")
    estimated = nic_text.replace(",XG_FOB_USD,G001,M,2026-M04,601982690,6,,,XG,FOB,USD,M,",
                                 ",XG_FOB_USD,G001,M,2026-M04,601982690,6,,,XG,FOB,USD,SE,")
    notes = {(row["indicator"], row["period_start"]): row["note"] for row in imf_imts.parse(estimated)}
    assert notes[("exports", "2026-04")] == "IMF staff estimate"
    assert set(notes.values()) == {"", "IMF staff estimate"}


def test_a_header_only_body_is_no_data_yet_and_an_empty_body_an_error(nic_text):
    header = nic_text.split("\n", 1)[0]
    assert imf_imts.parse(header + "\n") == []
    assert imf_imts.parse(header) == []
    assert imf_imts.parse("\ufeff" + nic_text)[0]["reporter"] == "NIC"
    assert "is empty: not even an SDMX-CSV header" in refused("")
    assert "is empty" in refused(" \n\n")


def test_html_xml_and_json_bodies_are_refused():
    assert refused("<!DOCTYPE html><html><body>Service unavailable</body></html>").endswith("is an HTML page, not SDMX-CSV.")
    assert refused('<?xml version="1.0"?><message:StructureSpecificData/>').endswith("is XML, not SDMX-CSV.")
    error = json.dumps({"status": 404, "code": 40400, "message": "No such dataflow found: Dataflow=IMF.STA:NOPE(latest)"})
    assert "is JSON, not SDMX-CSV (it says “No such dataflow found" in refused(error)


# --- malformed copies of the recording ----------------------------------------------------


def test_a_file_cut_mid_row_is_refused_as_truncated(nic_text):
    middle = nic_text.index("\n", len(nic_text) // 2) + 1
    cut = nic_text[: middle + 60]  # the next row's first 60 characters: a few of its 41 fields
    fields = cut.rsplit("\n", 1)[1].count(",") + 1  # no quotes that early in a row
    message = refused(cut)
    assert f"truncated or malformed: line {cut.count(chr(10)) + 1} has {fields} fields, the header 41" in message


def test_a_file_cut_inside_a_quoted_field_is_refused_as_truncated(nic_text):
    cut = nic_text[: nic_text.rindex('"Exports of goods') + 10]
    message = refused(cut)
    assert f"truncated or malformed: a quoted field opened on line {cut.count(chr(10)) + 1} never closes" in message


def test_a_row_with_an_extra_field_is_refused(nic_text):
    fragment = f"{FLOW},NIC,TBG_USD,G001,M,2000-M06,"
    text = nic_text.replace(fragment, f"{FLOW},NIC,TBG_USD,G001,M,2000-M06,extra,")
    assert f"line {line_of(nic_text, fragment)} has 42 fields, the header 41" in refused(text)


def test_a_missing_column_is_refused(nic_text):
    frame = pd.read_csv(io.StringIO(nic_text), dtype=str, keep_default_na=False)
    message = refused(frame.drop(columns="OBS_VALUE").to_csv(index=False))
    assert message.endswith("is not IMF IMTS SDMX-CSV: it lacks the columns OBS_VALUE.")
    message = refused(frame.drop(columns=["DATAFLOW", "FREQUENCY"]).to_csv(index=False))
    assert "lacks the columns DATAFLOW (or STRUCTURE_ID), FREQUENCY." in message


def test_text_in_obs_value_is_refused_naming_the_line(nic_text):
    fragment = ",XG_FOB_USD,G001,M,2025-M11,396866009,"
    message = refused(nic_text.replace(fragment, ",XG_FOB_USD,G001,M,2025-M11,n/a,"))
    assert f"broken.csv line {line_of(nic_text, fragment)}: OBS_VALUE “n/a” is not a number" in message
    assert "is not a number" in refused(nic_text.replace(fragment, ",XG_FOB_USD,G001,M,2025-M11,inf,"))
    assert "is not a number" in refused(nic_text.replace(fragment, ",XG_FOB_USD,G001,M,2025-M11,396_866_009,"))


def test_a_release_date_that_is_not_a_day_is_refused(nic_text):
    """Issue 16: UPDATE_DATE was checked for its shape only."""
    fragment = f"{FLOW},NIC,TBG_USD,G001,M,2025-M11,"
    row = next(line for line in nic_text.split("\n") if line.startswith(fragment))
    text = nic_text.replace(row, row.replace("2026-08-05T23:36:59.603105500Z", "2026-02-30T23:36:59.603105500Z"))
    assert f"line {line_of(nic_text, fragment)}: UPDATE_DATE “2026-02-30T23:36:59.603105500Z” is not a date" in refused(text)


def test_full_width_digits_are_not_a_number(nic_text):
    fragment = ",XG_FOB_USD,G001,M,2025-M11,396866009,"
    assert "OBS_VALUE “３９６８６６００９” is not a number" in refused(nic_text.replace(fragment, ",XG_FOB_USD,G001,M,2025-M11,３９６８６６００９,"))


@pytest.mark.parametrize("filler", [b"\n", b"\r\n", b" \n", b"," * 40 + b"\n"], ids=["newlines", "crlf", "spaces", "empty fields"])
def test_a_gzip_of_a_header_and_a_gigabyte_of_empty_lines_is_refused_at_once(tmp_path, nic_text, filler):
    """Issue 16: a header plus 1 GB of newlines (1 MB gzipped) ran 116 s at 5 GB; 100 MB of them
    still took 47 s and 1.7 GB. Now the reader stops at the 1,001st empty line: a bound on time
    and memory that does not depend on how much more the file holds."""
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(nic_text.split("\n", 1)[0].encode() + b"\n")
        block = filler * ((1 << 20) // len(filler))
        for _ in range(1024):  # 1 GB unpacked
            handle.write(block)
    with pytest.raises(DataFileError) as caught:
        sum(len(batch) for batch in imf_imts.batches(path))
    assert caught.value.message == "bomb.csv.gz is not an SDMX-CSV response: it has more than 1,000 empty lines (the IMF writes none)."


def test_a_few_empty_lines_are_still_read(nic_text):
    lines = nic_text.rstrip("\n").split("\n")
    assert len(imf_imts.parse("\n".join([lines[0], "", *lines[1:], "", "", ""]))) == 1308


def test_another_dataflow_is_refused(nic_text):
    message = refused(nic_text.replace(FLOW, "IMF.STA:ITG(1.0.0)"))
    assert message == "broken.csv line 2: DATAFLOW “IMF.STA:ITG(1.0.0)” is not IMF.STA:IMTS; this is not an IMTS response"
    structure = nic_text.replace("DATAFLOW,", "STRUCTURE,STRUCTURE_ID,ACTION,", 1).replace(f"{FLOW},", "dataflow,IMF.STA:CPI(5.0.0),I,")
    assert "STRUCTURE_ID “IMF.STA:CPI(5.0.0)” is not IMF.STA:IMTS" in refused(structure)


def test_an_unknown_frequency_is_refused(nic_text):
    fragment = f"{FLOW},NIC,TBG_USD,G001,M,2025-M11,"
    message = refused(nic_text.replace(fragment, f"{FLOW},NIC,TBG_USD,G001,W,2025-M11,"))
    assert f"line {line_of(nic_text, fragment)}: FREQUENCY “W” is not M, Q or A" in message


def test_duplicate_observations_are_refused_equal_or_not(nic_text):
    row = next(line for line in nic_text.split("\n") if ",XG_FOB_USD,G001,M,2025-M11," in line)
    repeated = nic_text + row + "\n"
    message = refused(repeated)
    assert (f"line {repeated.count(chr(10))}: duplicate observation NIC→WLD XG_FOB_USD 2025-M11 "
            f"(also on line {line_of(nic_text, row)}) with the same value twice") in message
    changed = nic_text + row.replace(",396866009,", ",396866010,") + "\n"
    assert "with two values, 396,866,009.00 and 396,866,010.00" in refused(changed)


# --- the URL ----------------------------------------------------------------------------


def test_series_url_asks_for_the_three_indicators_with_every_partner_monthly():
    assert imf_imts.series_url("NIC", "2024-01") == (
        "https://api.imf.org/external/sdmx/2.1/data/IMF.STA,IMTS/NIC.XG_FOB_USD+MG_CIF_USD+TBG_USD..M?startPeriod=2024-01"
    )
    assert imf_imts.series_url("chn", "2024-M01", base="http://x/").startswith("http://x/data/IMF.STA,IMTS/CHN.XG_FOB_USD+")
    assert "/G998.XG_FOB_USD+" in imf_imts.series_url("EU27", "2024")
    with pytest.raises(ValueError, match="reporter"):
        imf_imts.series_url("China", "2024-01")
    with pytest.raises(ValueError, match="start"):
        imf_imts.series_url("CHN", "Jan 2024")
    assert [imf_imts.start_month(start) for start in ("2024", "2024-03", "2024-M03", "2024-Q2")] == [
        "2024-01", "2024-03", "2024-03", "2024-04",
    ]


# --- the live path, against a local server ------------------------------------------------


def csv_reply(body: bytes) -> web.Response:
    """The recording as the IMF served it: gzip-encoded, with its Content-Type."""
    return web.Response(body=body, headers={"Content-Type": RECORDED_TYPE, "Content-Encoding": "gzip"})


def html_reply() -> web.Response:
    return web.Response(text="<!DOCTYPE html><html><body><h1>Scheduled maintenance</h1></body></html>", content_type="text/html")


def run_fetch(route, reporters=("NIC",), rows=False, **options):
    """(result or the exception raised, the requests the server saw, seconds taken)."""
    options = {"start": "1990-01", "min_interval": 0, "backoff": (0, 0, 0), **options}

    async def go():
        async with Server(route) as server:
            began = time.monotonic()
            call = imf_imts.fetch_rows if rows else imf_imts.fetch
            try:
                result = await call(list(reporters), base=server.base, **options)
            except SourceUnavailable as error:
                result = error
            return result, server.requests, time.monotonic() - began

    return asyncio.run(go())


def test_fetch_replays_the_recording_with_the_headers_the_issue_asks_for(recorded):
    async def route(request, n):
        return csv_reply(recorded["GTM" if "/GTM." in request.raw_path else "NIC"])

    result, seen, _ = run_fetch(route, reporters=("NIC",))
    [(reporter, url, text)] = result
    assert reporter == "NIC" and text == gzip.decompress(recorded["NIC"]).decode()
    assert url.endswith("/data/IMF.STA,IMTS/NIC.XG_FOB_USD+MG_CIF_USD+TBG_USD..M?startPeriod=1990-01")
    assert seen[0].path == "/external/sdmx/2.1/data/IMF.STA,IMTS/NIC.XG_FOB_USD+MG_CIF_USD+TBG_USD..M?startPeriod=1990-01"
    headers = seen[0].headers
    assert headers["Accept"] == "application/vnd.sdmx.data+csv;version=2.0.0"
    assert "gzip" in headers["Accept-Encoding"]
    assert headers["User-Agent"] == f"tradebot/{__version__} (+https://github.com/; trade-figures Discord bot)"

    rows, seen, _ = run_fetch(route, reporters=("NIC", "GTM"), rows=True)
    assert len(rows) == 2 * 1308
    assert {row["reporter"] for row in rows} == {"NIC", "GTM"}
    assert {row["source_url"].split("/data/")[1] for row in rows} == {
        f"IMF.STA,IMTS/{code}.XG_FOB_USD+MG_CIF_USD+TBG_USD..M?startPeriod=1990-01" for code in ("NIC", "GTM")
    }
    assert len({row["retrieved_at"] for row in rows}) == 1
    recent, _, _ = run_fetch(route, rows=True, start="2026-01")  # the IMF's period filter is not trusted
    assert sorted({row["period_start"] for row in recent}) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert len(recent) == 12


def test_two_reporters_are_fetched_at_least_min_interval_apart(recorded):
    async def route(request, n):
        return csv_reply(recorded["NIC"])

    result, seen, _ = run_fetch(route, reporters=("NIC", "GTM"), min_interval=0.2)
    assert [reporter for reporter, _, _ in result] == ["NIC", "GTM"]
    assert seen[1].at - seen[0].at >= 0.2


def test_429_with_retry_after_is_retried_after_the_asked_wait(recorded):
    async def route(request, n):
        if n == 1:
            return web.Response(status=429, text="Too many requests", headers={"Retry-After": "0"})
        return csv_reply(recorded["NIC"])

    result, seen, took = run_fetch(route, backoff=(5, 5, 5))  # Retry-After: 0 wins over the 5 s backoff
    assert len(result) == 1 and len(seen) == 2
    assert took < 2


def test_a_server_error_on_every_try_gives_up_after_the_backoff(recorded):
    async def route(request, n):
        return web.Response(status=500, text="Internal Server Error")

    error, seen, _ = run_fetch(route, backoff=(0, 0.01, 0.02))
    assert isinstance(error, SourceUnavailable)
    assert len(seen) == 4  # len(backoff) + 1
    assert "\n" not in error.message
    assert "/NIC.XG_FOB_USD+MG_CIF_USD+TBG_USD..M?startPeriod=1990-01 failed: HTTP 500 Internal Server Error (4 tries)" in error.message


def test_a_client_error_is_not_retried_and_says_what_the_imf_said():
    async def route(request, n):
        body = {"status": 404, "code": 40400, "message": "No such dataflow found: Dataflow=IMF.STA:IMTS(latest)"}
        return web.json_response(body, status=404)

    error, seen, _ = run_fetch(route)
    assert isinstance(error, SourceUnavailable) and len(seen) == 1
    assert "answered HTTP 404 Not Found (it says “No such dataflow found" in error.message


def test_an_html_page_with_200_is_refused_loudly():
    async def route(request, n):
        return html_reply()

    error, seen, _ = run_fetch(route)
    assert isinstance(error, SourceUnavailable) and len(seen) == 1
    assert "answered with an HTML page, not CSV" in error.message and "\n" not in error.message


def test_a_redirect_to_an_html_page_is_refused_loudly():
    async def route(request, n):
        if request.path.endswith("maintenance.html"):
            return html_reply()
        raise web.HTTPFound("/maintenance.html")

    error, seen, _ = run_fetch(route)
    assert isinstance(error, SourceUnavailable)
    assert [request.path.rsplit("/", 1)[-1] for request in seen][1] == "maintenance.html"
    assert "(redirected to http://127.0.0.1:" in error.message
    assert "/maintenance.html) answered with an HTML page, not CSV" in error.message


def test_xml_is_refused_as_not_csv():
    async def route(request, n):
        return web.Response(text="<message:StructureSpecificData/>", content_type="application/xml")

    error, _, _ = run_fetch(route)
    assert isinstance(error, SourceUnavailable) and "answered with XML, not CSV (application/xml" in error.message


def test_an_empty_data_set_is_no_rows_not_an_error(nic_text):
    header_only = gzip.compress((nic_text.split("\n", 1)[0] + "\n").encode())

    async def route(request, n):
        return csv_reply(header_only)

    result, _, _ = run_fetch(route, rows=True)
    assert result == []


def test_a_closed_port_is_could_not_reach():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there

    async def go():
        began = time.monotonic()
        try:
            await imf_imts.fetch(["NIC"], start="2024-01", base=f"http://127.0.0.1:{port}/external/sdmx/2.1",
                                 min_interval=0, backoff=(0, 0))
        except SourceUnavailable as error:
            return error, time.monotonic() - began
        raise AssertionError("no error")

    error, took = asyncio.run(go())
    assert error.message.startswith(f"Could not reach 127.0.0.1:{port}: connection refused (3 tries")
    assert "\n" not in error.message and took < 5


def test_a_reply_slower_than_the_timeout_is_retried_then_given_up(recorded):
    async def route(request, n):
        await asyncio.sleep(0.5)
        return csv_reply(recorded["NIC"])

    error, seen, _ = run_fetch(route, backoff=(0,), timeout=0.1)
    assert isinstance(error, SourceUnavailable) and len(seen) == 2
    assert "failed: timed out after 0.1 s (2 tries)" in error.message


# --- through sync: the store, the CLI and the scheduler's entry point ------------------------


def test_both_recordings_import_through_sync_file_and_answer(store, recorded, tmp_path):
    for code, body in recorded.items():
        path = tmp_path / f"imf_imts_{code.lower()}_g001.csv.gz"
        path.write_bytes(body)
        report = sync_file(store, path)
        assert (report.total.read, report.total.added) == (1308, 1308)
        assert len(report.total.new_periods) == 436
        assert sync_file(store, path).total.added == 0  # the same file twice adds nothing
    answer = ask(store, "/exports nicaragua period:2025-11")
    assert answer.title == "Nicaragua — exports, November 2025: $396.9 mn (+37.2% y/y, computed)"
    assert "Source: IMF IMTS · released 5 August 2026" in answer.footer
    for row in store.conn.execute("SELECT period_start, value FROM figures WHERE reporter='NIC' AND indicator='balance'"):
        exports, imports = (store.conn.execute(
            "SELECT value FROM figures WHERE reporter='NIC' AND indicator=? AND period_start=?", (flow, row["period_start"])
        ).fetchone()[0] for flow in ("exports", "imports"))
        assert abs(row["value"] - (exports - imports)) <= 0.01


def test_sync_source_keeps_the_reporters_that_answered_when_one_fails(store, recorded):
    async def route(request, n):
        if "/GTM." in request.raw_path:
            return web.Response(status=500, text="oops")
        return csv_reply(recorded["NIC"])

    async def go():
        async with Server(route) as server:
            return await sync_source(store, "imf", ("NIC", "GTM"), "2025-01", base=server.base, min_interval=0, backoff=(0,))

    report = asyncio.run(go())
    assert [name for name, _ in report.imports] == ["IMF IMTS NIC"]
    assert report.imports[0][1].added == 16 * 3  # 2025-01 .. 2026-04, filtered on our side too
    assert len(report.failures) == 1 and "500" in report.failures[0]


def test_sync_source_stops_at_once_when_the_host_cannot_be_reached(store):
    async def go():
        return await sync_source(store, "imf", ("NIC", "GTM"), "2025-01", base="http://127.0.0.1:9/x", min_interval=0, backoff=(0,))

    with pytest.raises(SourceUnreachable, match="Could not reach 127.0.0.1:9"):
        asyncio.run(go())


def _nic_file(tmp_path, text: str):
    path = tmp_path / "nic.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_newer_release_with_one_changed_value_adds_one_revision(store, nic_text, tmp_path):
    sync_file(store, _nic_file(tmp_path, nic_text))
    newer = nic_text.replace("2026-08-05T23:36:59.603105500Z", "2026-09-04T10:00:00.000000000Z")
    old_line = next(line for line in newer.splitlines() if ",XG_FOB_USD,G001,M,2025-M11," in line)
    value = old_line.split(",")[6]
    newer = newer.replace(old_line, old_line.replace(f",{value},", ",400000000,", 1))
    report = sync_file(store, _nic_file(tmp_path, newer)).total
    assert (report.added, report.revised, report.skipped, report.new_periods) == (1, 1, 1307, [])
    assert ask(store, "/exports nicaragua period:2025-11").title.startswith(
        "Nicaragua — exports, November 2025: $400.0 mn (revised from $396.9 mn")


def test_a_changed_value_under_the_same_release_date_is_reported_not_stored(store, nic_text, tmp_path):
    sync_file(store, _nic_file(tmp_path, nic_text))
    line = next(line for line in nic_text.splitlines() if ",XG_FOB_USD,G001,M,2025-M11," in line)
    changed = nic_text.replace(line, line.replace(f",{line.split(',')[6]},", ",400000000,", 1))
    report = sync_file(store, _nic_file(tmp_path, changed)).total
    assert (report.added, report.conflicts) == (0, 1)
    assert "1 differ from a stored value with the same release date" in str(report)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_malformed_file_leaves_the_database_exactly_as_it_was(store, nic_text, tmp_path, cut):
    before = snapshot(store)
    with pytest.raises(DataFileError):
        sync_file(store, _nic_file(tmp_path, nic_text[: int(len(nic_text) * cut)]))
    assert snapshot(store) == before


def test_a_file_read_in_parts_imports_the_same_and_names_the_right_line(store, nic_text, tmp_path, monkeypatch):
    monkeypatch.setattr(imf_imts, "BLOCK_BYTES", 16 << 10)  # 16 KB: about 30 lines a block
    monkeypatch.setattr(imf_imts, "PART_ROWS", 90)  # three or four blocks a part
    assert sync_file(store, _nic_file(tmp_path, nic_text)).total.added == 1308
    lines = nic_text.split("\n")
    lines[562] = lines[562].replace(lines[562].split(",")[6], "oops", 1)  # line 563, in the sixth part
    before = snapshot(store)
    with pytest.raises(DataFileError, match=r"line 563: OBS_VALUE “oops” is not a number"):
        sync_file(store, _nic_file(tmp_path, "\n".join(lines)))
    assert snapshot(store) == before


def test_a_figure_repeated_in_a_later_part_is_refused_whole(store, nic_text, tmp_path, monkeypatch):
    monkeypatch.setattr(imf_imts, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(imf_imts, "PART_ROWS", 90)
    lines = nic_text.rstrip("\n").split("\n")
    repeated = "\n".join([*lines, lines[1]]) + "\n"  # line 2 again at the end, parts later: only the key sees it
    before = snapshot(store)
    with pytest.raises(DataFileError, match="holds the same figure .* twice; nothing was imported"):
        sync_file(store, _nic_file(tmp_path, repeated))
    assert snapshot(store) == before
