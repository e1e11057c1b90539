"""USITC DataWeb workbooks: the three real downloads (data/seed/, provenance in its README)
import whole, reproduce the effective rates the issue quotes, and a damaged copy is refused."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tradebot.answers import Line, ask, command
from tradebot.config import SEED_DIR
from tradebot.errors import DataFileError
from tradebot.sources import detect
from tradebot.sync import sync_file

from conftest import TODAY, snapshot

FILES = {"2023": "impor_2023_yearly_hts2.xlsx", "2024": "IMPORT_2024_HTS_2.xlsx", "Jan–Aug 2025": "IMPORT_AUG-2025-HTS4_2.xlsx"}


def from_the_file(name: str, country: str) -> tuple[float, float, dict[str, float]]:
    """Duties, customs value and duty by chapter for one country, read straight from the sheets
    (not through tradebot): customs value as published, else CIF − charges."""
    book = CalamineWorkbook.from_path(str(SEED_DIR / name))
    sheets = {}
    for sheet in ("Customs Value", "Calculated Duties", "CIF Import Value", "Import Charges"):
        if sheet in book.sheet_names:
            sheets[sheet] = {row[-3]: row[-1] for row in book.get_sheet_by_name(sheet).to_python()[1:] if row[1] == country}
    duties = sheets["Calculated Duties"]
    customs = sheets.get("Customs Value") or {code: sheets["CIF Import Value"][code] - sheets["Import Charges"][code] for code in duties}
    return sum(duties.values()), sum(customs.values()), duties


@pytest.mark.parametrize(("period", "rate"), [("2023", 10.5), ("2024", 10.9), ("Jan–Aug 2025", 27.6)])
def test_china_effective_rates_are_the_issues_and_the_files(store, period, rate):
    """Issue 17: the US collected about 10.5% of customs value on goods from China in 2023, 10.9%
    in 2024 and 27.6% in Jan–Aug 2025."""
    duties, customs, _ = from_the_file(FILES[period], "China")
    assert round(duties / customs * 100, 1) == rate
    option = {"2023": "2023", "2024": "2024", "Jan–Aug 2025": "Jan-Aug 2025"}[period]
    answer = command(store, "tariffs", TODAY, country="china", period=option)
    assert answer.ok, answer.text
    assert answer.title == f"United States — duties on goods from China, {period}: {rate}% of customs value (computed)"
    figures = {figure.indicator: figure for figure in answer.figures if not figure.product}
    assert figures["duty_rate"].derived and figures["duty_rate"].unit == "percent"
    assert figures["duties"].value == pytest.approx(duties) and figures["customs_value"].value == pytest.approx(customs)


@pytest.mark.parametrize("country", ["Vietnam", "Mexico"])
@pytest.mark.parametrize("period", list(FILES))
def test_vietnam_and_mexico_reproduce_from_the_file_too(store, country, period):
    duties, customs, _ = from_the_file(FILES[period], country)
    answer = command(store, "tariffs", TODAY, country=country, period=period.replace("–", "-"))
    assert answer.title.endswith(f", {period}: {duties / customs * 100:.1f}% of customs value (computed)"), answer.title


def test_the_top_five_chapters_by_duty_for_china_are_the_files(store):
    _, _, by_chapter = from_the_file(FILES["Jan–Aug 2025"], "China")
    top = sorted(by_chapter, key=lambda code: -by_chapter[code])[:5]
    answer = command(store, "tariffs", TODAY, country="china")
    ranked = [line.name.split()[1] for line in answer.lines if line.name.split()[0].rstrip(".").isdigit() and line.name[1:2] == "."]
    assert ranked == top == ["85", "84", "87", "94", "39"]
    assert answer.lines[3].name.startswith("1. 85 Electrical machinery and equipment")  # sentence case, from the file
    per_chapter = [figure for figure in answer.figures if figure.product == "85" and figure.indicator == "duties"]
    assert per_chapter and per_chapter[0].value == by_chapter["85"] and not per_chapter[0].derived


def test_a_year_earlier_is_the_whole_year_when_the_same_months_are_not_stored(store):
    answer = command(store, "tariffs", TODAY, country="china")
    line = next(line for line in answer.lines if line.name.startswith("2024"))
    assert line.name == "2024 (whole year; the store has no Jan–Aug 2024)"
    assert line.value == "10.9% (computed); change +16.7 points (computed)"
    earlier = command(store, "tariffs", TODAY, country="china", period="2024")
    assert any(line.name == "2023" and line.value.startswith("10.5% (computed); change +0.4 points") for line in earlier.lines)


def test_a_product_word_names_its_chapters_and_every_figure_is_cited(store):
    answer = command(store, "tariffs", TODAY, country="china", product="clothing", period="2023")
    assert answer.title.startswith("United States — duties on goods from China (HS chapters 61, 62), 2023: ")
    assert any(note.startswith("Chapters: 61 Articles of apparel") for note in answer.notes)
    assert "not the statutory tariff rate" in answer.notes[0]
    assert answer.footer == "Source: USITC DataWeb · as read 11 October 2025 (the source gives no release date)"
    for figure in answer.as_json()["figures"]:
        assert figure["source"] == "USITC DataWeb" and figure["published"] and figure["period"] == "2023-01..2023-12"
    assert {figure["product"] for figure in answer.as_json()["figures"] if "product" in figure} >= {"61", "62", "61,62"}


def test_the_csv_of_a_tariff_answer_has_each_chapters_own_stored_row(store):
    """Two chapters share every key column but the product: the export must fetch each one's own row."""
    import csv
    import io

    from tradebot.export import figures_csv

    answer = command(store, "tariffs", TODAY, country="china")
    rows = list(csv.DictReader(io.StringIO(figures_csv(store, answer))))
    _, _, by_chapter = from_the_file(FILES["Jan–Aug 2025"], "China")
    stored = [row for row in rows if row["indicator"] == "duties" and row["derived"] == "false"]
    assert len(stored) == 5 and all(float(row["value"]) == by_chapter[row["product"]] for row in stored)
    assert next(row for row in rows if row["indicator"] == "duty_rate" and row["product"] == "")["how"] == "duties ÷ customs value"


def test_two_countries_side_by_side_and_follow_ups_in_words(store):
    """Issue 17's plain questions: "compare tariffs on china and mexico", then follow-ups that keep
    the context; "what does the us import from china" is the top chapters by customs value."""
    from tradebot.answers import ask as ask_in_context

    compared = ask_in_context(store, "compare tariffs on china and mexico", TODAY)
    china, mexico = (from_the_file(FILES["Jan–Aug 2025"], name) for name in ("China", "Mexico"))
    assert compared.title == "United States — duties on goods from China and Mexico, Jan–Aug 2025"
    assert [line.value.split(" ")[0] for line in compared.lines[:2]] == [f"{china[0] / china[1] * 100:.1f}%",
                                                                         f"{mexico[0] / mexico[1] * 100:.1f}%"]
    assert compared.lines[2] == Line("Difference", "+24.5 points (computed)")
    earlier = ask_in_context(store, "and in 2024?", TODAY, context=compared.context)
    assert earlier.title == "United States — duties on goods from China and Mexico, 2024"
    alone = ask_in_context(store, "and vietnam?", TODAY, context=earlier.context)
    assert alone.title.startswith("United States — duties on goods from Vietnam, 2024: ")
    furniture = ask_in_context(store, "and furniture?", TODAY, context=alone.context)
    assert furniture.title.startswith("United States — duties on goods from Vietnam (Furniture), 2024: ")
    assert ask_in_context(store, "what tariffs does china put on us soybeans", TODAY).error.code == "not_available"


def test_what_the_us_imports_from_a_country_is_its_chapters_by_customs_value(store):
    from tradebot.answers import ask as ask_in_context

    answer = ask_in_context(store, "what does the us import from china", TODAY)
    _, customs, _ = from_the_file(FILES["Jan–Aug 2025"], "China")
    assert answer.title == f"United States — imports from China by product, Jan–Aug 2025: ${customs / 1e9:.1f} bn (computed)"
    assert answer.lines[0].name.startswith("1. 85 Electrical machinery") and answer.lines[0].value.endswith("% of the total (computed)")
    assert len(answer.lines) == 10
    # the past tense with a period asks for the amount, as before
    assert ask_in_context(store, "what did america import from mexico january to november 2025", TODAY).query.intent == "imports"


def test_imports_by_product_come_with_a_horizontal_bar_chart_of_exactly_the_chapters_listed(store):
    from tradebot import charts
    from tradebot.answers import ask as ask_in_context

    answer = ask_in_context(store, "what does the us import from vietnam", TODAY)
    bars = answer.chart
    assert isinstance(bars, charts.Bars) and bars.figures == [figure for figure in answer.figures if figure.indicator == "customs_value"
                                                                     and figure.product][:10]
    drawn = charts.draw_bars(bars).axes[0]
    widths = [patch.get_width() for patch in drawn.patches]
    assert widths == [figure.value for figure in bars.figures][::-1]  # largest on top
    assert [label.get_text() for label in drawn.get_yticklabels()][-1].startswith("85 Electrical machinery")
    assert charts.render(bars).startswith(b"\x89PNG") and "Hatched: computed (CIF value − charges)." in bars.caption


def test_missing_data_is_said_with_what_exists(store):
    assert command(store, "tariffs", TODAY, country="germany", period="2022").error.message == (
        "The store has no US duty figures for 2022; it holds Jan–Aug 2025, 2024, 2023 (USITC DataWeb).")
    assert "is not a product tradebot knows" in command(store, "tariffs", TODAY, country="china", product="zebras").error.message
    assert ask(store, "/tariffs china product:85", TODAY).ok


# --- importing ---


def test_each_workbook_is_recognised_and_imports_whole(empty_store):
    for name in FILES.values():
        assert detect(SEED_DIR / name).key == "usitc"
    report = sync_file(empty_store, SEED_DIR / FILES["2023"])
    assert report.total.added == 66_840 and report.total.read == 66_840
    assert report.remarks[0] == "skipped 6 “Total:” rows, one a sheet (checked: each is its sheet's sum)"
    assert report.remarks[1].startswith("not stored: Gaza Strip (shares PSE with the West Bank); Kosovo")
    names = empty_store.product_names()
    assert len(names) == 98 and names["94"].startswith("FURNITURE; BEDDING")
    partners = {row[0] for row in empty_store.conn.execute("SELECT DISTINCT partner FROM figures")}
    assert {"KOR", "MMR", "HKG", "MAC", "CZE", "GIN", "WSM"} <= partners and len(partners) == 229
    again = sync_file(empty_store, SEED_DIR / FILES["2023"])
    assert (again.total.added, again.total.skipped) == (0, 66_840)


KEPT = ("China", "Mexico", "Myanmar (Burma)")  # a small workbook writes in a fraction of a second


def _damaged(tmp_path: Path, edit) -> Path:
    """The 2023 workbook cut to three countries (Total: rows made their sum again), rewritten by
    openpyxl after `edit(workbook)`."""
    book = CalamineWorkbook.from_path(str(SEED_DIR / FILES["2023"]))
    out = openpyxl.Workbook()
    out.remove(out.active)
    for name in book.sheet_names:
        sheet = out.create_sheet(name)
        rows = book.get_sheet_by_name(name).to_python()
        if name == "Query Parameters":
            for row in rows:
                sheet.append(row)
            continue
        kept = [row for row in rows[1:] if row[1] in KEPT]
        for row in [rows[0], *kept, [*rows[-1][:-1], f"{sum(row[-1] for row in kept):,.0f}"]]:
            sheet.append(row)
    edit(out)
    path = tmp_path / "damaged.xlsx"
    out.save(path)
    return path


def _set(sheet_name: str, country: str, chapter: str, value):
    def edit(book):
        for row in book[sheet_name].iter_rows(min_row=2):
            if row[1].value == country and row[-3].value == chapter:
                row[-1].value = value
                return
        raise AssertionError("no such row")
    return edit


@pytest.mark.parametrize(("edit", "message"), [
    (_set("Calculated Duties", "China", "85", 1.0),
     "the rows of “Calculated Duties” add up to"),
    (lambda book: (_set("Calculated Duties", "China", "85", 1.0)(book), _fix_total(book, "Calculated Duties")),
     "for CHN, chapter 85: landed duty-paid value"),
    (_set("Customs Value", "China", "85", -5.0), "is not an amount of money"),
    (lambda book: _rename(book, "China", "Cathay"), "“Cathay” is not a country tradebot can place"),
    (lambda book: book.remove(book["Calculated Duties"]), "it lacks the sheets Calculated Duties"),
    (lambda book: _drop_total(book, "Dutiable Value"), "the sheet “Dutiable Value” has no Total: row"),
])
def test_a_damaged_workbook_is_refused_whole(empty_store, tmp_path, edit, message):
    assert sync_file(empty_store, _damaged(tmp_path, lambda book: None)).total.added == 6 * 258  # uncut, the copy imports
    empty_store.conn.execute("DELETE FROM figures")
    empty_store.conn.commit()
    path = _damaged(tmp_path, edit)
    before = snapshot(empty_store)
    with pytest.raises(DataFileError) as refused:
        sync_file(empty_store, path)
    assert refused.value.message.startswith("damaged.xlsx: ") and message in refused.value.message, refused.value.message
    assert "\n" not in refused.value.message and snapshot(empty_store) == before


def _fix_total(book, sheet_name: str) -> None:
    """Make the Total: row agree again, so only the cross-sheet identity can catch the edit."""
    rows = list(book[sheet_name].iter_rows(min_row=2))
    total = sum(row[-1].value for row in rows if not str(row[0].value).startswith("Total"))
    rows[-1][-1].value = f"{total:,.0f}"


def _rename(book, old: str, new: str) -> None:
    for sheet in book.worksheets[1:]:
        for row in sheet.iter_rows(min_row=2):
            if row[1].value == old:
                row[1].value = new


def _drop_total(book, sheet_name: str) -> None:
    sheet = book[sheet_name]
    sheet.delete_rows(sheet.max_row)


def test_another_zip_is_refused_in_one_line(empty_store, tmp_path):
    import zipfile

    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(DataFileError) as refused:
        sync_file(empty_store, path)
    assert refused.value.message.startswith("notes.xlsx is not a workbook tradebot can read")
