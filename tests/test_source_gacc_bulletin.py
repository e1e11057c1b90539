"""China Customs' monthly by-country bulletin: the real file (data/seed, from ../shared/data/gacc_bulletin;
see its PROVENANCE section) imported whole and checked against its own numbers, copies of it broken
on purpose, and the answers the default store gives from it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from tradebot import countries
from tradebot.answers import ask
from tradebot.config import SEED_DIR
from tradebot.errors import DataFileError
from tradebot.sources import detect, gacc_bulletin
from tradebot.store import Store
from tradebot.sync import sync_file

from conftest import TODAY, snapshot

BULLETIN = SEED_DIR / "china_customs_by_country_cny10k_2024-01_2026-07.csv"
SOURCE = "China Customs (GACC) monthly bulletin"
FLOWS = {"tt": "total_trade", "ex": "exports", "im": "imports"}


def file_rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(BULLETIN.read_text(encoding="utf-8"), newline="")))


@pytest.fixture(scope="module")
def bulletin_store(tmp_path_factory):
    """An empty store with the bulletin alone imported through `sync --file`'s path."""
    store = Store(tmp_path_factory.mktemp("bulletin") / "b.db")
    store.migrate()
    report = sync_file(store, BULLETIN)
    yield store, report
    store.close()


def stored(store: Store, partner: str, indicator: str, start: str, end: str) -> tuple[float, str, str]:
    row = store.conn.execute(
        "SELECT value, unit, published FROM figures WHERE reporter = 'CHN' AND partner = ? AND indicator = ? "
        "AND period_start = ? AND period_end = ? AND source = ?", (partner, indicator, start, end, SOURCE)).fetchone()
    assert row is not None, (partner, indicator, start, end)
    return tuple(row)


def test_the_file_is_recognised_by_its_header():
    assert detect(BULLETIN).key == "gacc_bulletin"


def test_every_cell_of_the_real_file_is_stored_once_and_the_empty_items_are_named(bulletin_store):
    store, report = bulletin_store
    rows = file_rows()
    assert len(rows) == 8377
    # each non-empty cell is one figure, but January's year to date, which is the month itself
    expected = sum(
        1 for row in rows for flow in FLOWS for part in ("month", "ytd", "yoy")
        if row[f"{flow}_{part}"] and not (part == "ytd" and row["month"].endswith("-01"))
    )
    assert report.total.added == expected == 69_976
    assert store.conn.execute("SELECT count(*) FROM figures WHERE source = ?", (SOURCE,)).fetchone()[0] == expected
    empty = sorted({row["name"] for row in rows if not any(row[f"{f}_{p}"] for f in FLOWS for p in ("month", "ytd", "yoy"))})
    [remark] = report.remarks
    assert remark.startswith(f"{len(empty)} items give no figure") and all(name in remark for name in empty)
    # every name became a code: 273 names (two groups were renamed in 2025-03), 271 codes
    assert len({row["name"] for row in rows}) == 273
    assert store.conn.execute("SELECT count(DISTINCT partner) FROM figures WHERE source = ?", (SOURCE,)).fetchone()[0] == 271


@pytest.mark.parametrize(
    ("month", "name", "column", "partner", "indicator", "start"),
    [
        ("2024-01", "总值", "tt_month", "WLD", "total_trade", "2024-01"),
        ("2024-01", "总值", "ex_yoy", "WLD", "exports_yoy", "2024-01"),  # January's y/y is the month's
        ("2025-11", "美国", "ex_month", "USA", "exports", "2025-11"),
        ("2025-11", "美国", "ex_yoy", "USA", "exports_yoy", "2025-01"),  # the published y/y is year to date
        ("2025-11", "欧洲联盟", "ex_month", "EU27", "exports", "2025-11"),
        ("2026-02", "东南亚国家联盟", "ex_ytd", "ASEAN", "exports", "2026-01"),
        ("2026-07", "德国", "im_ytd", "DEU", "imports", "2026-01"),
        ("2024-12", "中国香港", "im_month", "HKG", "imports", "2024-12"),
        ("2025-06", "日本", "ex_ytd", "JPN", "exports", "2025-01"),
        ("2026-05", "俄罗斯", "tt_month", "RUS", "total_trade", "2026-05"),
        ("2025-03", "越南", "ex_yoy", "VNM", "exports_yoy", "2025-01"),
        ("2026-02", "加那利群岛", "im_month", "XCI", "imports", "2026-02"),  # a literal 0 in the source
        ("2024-06", "国家（地区）不明", "tt_month", "UNKNOWN", "total_trade", "2024-06"),
        ("2026-04", "非洲", "ex_month", "AFRICA", "exports", "2026-04"),
    ],
)
def test_values_equal_the_files_own_numbers(bulletin_store, month, name, column, partner, indicator, start):
    store, _ = bulletin_store
    [row] = [row for row in file_rows() if row["month"] == month and row["name"] == name]
    value, unit, published = stored(store, partner, indicator, start, month)
    if indicator.endswith("_yoy"):
        assert (value, unit) == (float(row[column]), "percent_cny")
    else:
        assert (value, unit) == (float(Decimal(row[column]) * 10_000), "CNY")
    year, number = map(int, month.split("-"))
    assert published == (f"{year}-{number + 1:02d}" if number < 12 else f"{year + 1}-01")  # the month after, no day


def test_growth_on_a_near_zero_base_is_kept_as_published_and_says_so(bulletin_store):
    store, _ = bulletin_store
    note = store.conn.execute("SELECT value, note FROM figures WHERE partner = 'SSD' AND indicator = 'imports_yoy' "
                              "AND period_end = '2026-01' AND source = ?", (SOURCE,)).fetchone()
    assert note["value"] == 3073566638.9 and gacc_bulletin.NEAR_ZERO_NOTE in note["note"]


def test_a_second_import_of_the_same_file_adds_nothing(bulletin_store):
    store, _ = bulletin_store
    again = sync_file(store, BULLETIN)
    assert (again.total.added, again.total.new_periods) == (0, [])


# --- refusals: the real file's first two months, broken one way at a time ---


def _first_months(rows: list[dict], months=("2024-01", "2024-02")) -> list[dict]:
    return [dict(row) for row in rows if row["month"] in months]


def _write(tmp_path, rows: list[dict]):
    path = tmp_path / "bulletin.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(gacc_bulletin.COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _find(rows, month, name):
    return next(row for row in rows if row["month"] == month and row["name"] == name)


def _unknown_name(rows):
    _find(rows, "2024-02", "德国")["name"] = "亚特兰蒂斯"


def _total_not_the_sum(rows):
    row = _find(rows, "2024-02", "德国")
    row["tt_month"] = str(Decimal(row["tt_month"]) + 5)


def _january_month_not_its_ytd(rows):
    row = _find(rows, "2024-01", "法国")
    row["ex_ytd"] = str(Decimal(row["ex_ytd"]) + 3)
    row["tt_ytd"] = str(Decimal(row["tt_ytd"]) + 3)


def _two_rows_one_country(rows):
    _find(rows, "2024-02", "法国")["name"] = "德国"


def _negative(rows):
    row = _find(rows, "2024-02", "越南")
    row["im_month"], row["tt_month"] = "-1", str(Decimal(row["ex_month"]) - 1)


def _not_a_number(rows):
    _find(rows, "2024-02", "越南")["ex_yoy"] = "n/a"


def _continent_not_its_countries(rows):
    row = _find(rows, "2024-02", "德国")  # consistent in itself, but Europe no longer adds up
    for column in ("ex_month", "tt_month", "ex_ytd", "tt_ytd"):
        row[column] = str(Decimal(row[column]) + 500)


def _month_above_its_ytd(rows):
    row = _find(rows, "2024-02", "日本")
    row["im_ytd"], row["tt_ytd"] = "1", str(Decimal(row["ex_ytd"]) + 1)


def _no_world_total(rows):
    rows[:] = [row for row in rows if not (row["month"] == "2024-02" and row["name"] == "总值")]


@pytest.mark.parametrize(
    ("breaking", "message"),
    [
        (_unknown_name, "the partner “亚特兰蒂斯” is neither a country nor a group tradebot can place"),
        (_total_not_the_sum, "德国, 2024-02): exports"),
        (_january_month_not_its_ytd, "(法国, 2024-01): January's total_trade for the month (4520972.3745) and the year to date"),
        (_two_rows_one_country, "are both DEU"),
        (_negative, "im_month is negative (-1)"),
        (_not_a_number, "ex_yoy “n/a” is not a number"),
        (_continent_not_its_countries, "(欧洲, 2024-02): the continent's exports (34715481.9251) are not the sum of its 52 countries"),
        (_month_above_its_ytd, "imports for the month"),
        (_no_world_total, "2024-02 has no world total (总值)"),
    ],
)
def test_a_file_that_does_not_add_up_is_refused_whole_in_one_line(store, tmp_path, breaking, message):
    rows = _first_months(file_rows())
    breaking(rows)
    path = _write(tmp_path, rows)
    before = snapshot(store)
    with pytest.raises(DataFileError) as refused:
        sync_file(store, path)
    assert refused.value.message.startswith("bulletin.csv: ") and message in refused.value.message, refused.value.message
    assert "\n" not in refused.value.message
    assert snapshot(store) == before


def test_a_file_without_the_bulletins_columns_is_refused(store, tmp_path):
    path = tmp_path / "bulletin.csv"
    path.write_text("month,position,name,level,parent,tt_month\n2024-01,1,总值,0,,1\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="lacks the columns tt_ytd"):
        sync_file(store, path)


def test_a_kill_mid_import_leaves_the_store_as_it_was(store, tmp_path):
    """A failure after some batches were written (the last row is bad): one transaction, nothing kept."""
    rows = _first_months(file_rows(), months=("2024-01", "2024-02", "2024-03"))
    _find(rows, "2024-03", "总值")["tt_month"] = "lots"
    before = snapshot(store)
    with pytest.raises(DataFileError):
        sync_file(store, _write(tmp_path, rows))
    assert snapshot(store) == before


# --- the default store answers from it ---

BULLETIN_MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025, 2026) for month in range(1, 13) if f"{year}-{month:02d}" <= "2026-07"]


@pytest.mark.parametrize("partner", ["germany", "vietnam", "russia", "eu", "asean"])
def test_chinas_exports_to_a_partner_answer_for_every_bulletin_month(store, partner):
    code = countries.resolve(partner).code
    rows = {row["month"]: row for row in file_rows() if countries.by_chinese_name(row["name"]).code == code}
    in_yuan = computed_growth = 0
    for month in BULLETIN_MONTHS:
        answer = ask(store, f"/exports china partner:{partner} period:{month}", TODAY)
        assert answer.ok, (month, answer.text)
        headline = answer.figures[0] if not answer.figures[0].revised_from else answer.figures[1]
        if headline.unit == "USD":  # the seed's dollar headline, where there is one, comes first
            continue
        in_yuan += 1
        assert (headline.partner, headline.indicator, str(headline.period)) == (code, "exports", month)
        assert headline.value == float(Decimal(rows[month]["ex_month"]) * 10_000) and not headline.derived
        assert "Source: China Customs (GACC) monthly bulletin" in answer.footer
        assert "month assumed" in answer.footer
        growth = next((f for f in answer.figures if f.indicator == "exports_yoy" and str(f.period) == month), None)
        if month >= "2025-02" and not month.endswith("-01") and growth is not None and growth.unit == "percent_cny":
            # a month's own y/y is not in the table (but January's, which is its year to date)
            assert growth.derived and "y/y, computed" in answer.title
            computed_growth += 1
    assert in_yuan >= 20 and computed_growth >= 5, (in_yuan, computed_growth)  # the EU and ASEAN often have a published dollar rate


def test_the_us_china_balance_answers_every_month_in_dollars_and_shows_the_revision(store):
    for year, month in [(y, m) for y in (2024, 2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 4)]:
        answer = ask(store, f"/surplus us partner:china period:{year}-{month:02d}", TODAY)
        assert answer.ok, answer.text
        assert answer.figures[-1].unit == "USD" and "US Census Bureau" in answer.footer
    november = ask(store, "/imports us partner:china period:2025-11", TODAY)
    assert november.title == "United States — imports from China, November 2025: $20.6 bn (revised from $21.0 bn; −45.9% y/y, computed)"


def test_japans_trade_with_china_in_2005_is_in_yen(store):
    answer = ask(store, "japan exports to china 2005", TODAY)
    assert answer.ok and answer.title.startswith("Japan — exports to China, 2005: JPY 8.84 tn (computed")
    assert {figure.unit for figure in answer.figures} <= {"JPY", "percent_jpy"}
    assert "only in yen" in answer.text and "as read 23 May 2025" in answer.footer


def test_partners_ranks_about_two_hundred_countries_and_no_group(store):
    answer = ask(store, "/partners china", TODAY)
    assert answer.ok and str(answer.query.period) == "2026-07"
    ranked = int(next(note for note in answer.notes if "partners ranked" in note).split()[0])
    assert 200 <= ranked <= 250
    codes = {figure.partner for figure in answer.figures if figure.indicator == "total_trade"} - {"WLD"}
    assert codes and not any(countries.by_code(code).is_group for code in codes)
