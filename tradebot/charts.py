"""Monthly charts: the series a chart shows (exactly the store's figures, chosen by
`FigureBook`) and its PNG (matplotlib, Agg backend).

`series()` is plain Python and cheap (indexed reads); `render()` is CPU work and the only
code that imports matplotlib, inside the function, so no other answer ever loads it.

Honesty rules, as for every answer (DESIGN.md §3): a month the store has no figure for is
a gap (`None`), never interpolated; China's combined January–February figure stays ONE
two-month point spanning both months, never split into two invented months, and is drawn at
its monthly average (the total ÷ 2, said in the caption) so it does not look like a month of
double the trade; a balance tradebot computed as exports − imports is marked `derived` and
drawn hatched. Months before the first with any figure are left off the window.
"""

from __future__ import annotations

import heapq
import io
import itertools
import math
import textwrap
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from tradebot import countries, formatting, wording
from tradebot.errors import BadPeriod, NoData, NotAvailable, NotUnderstood, echo
from tradebot.figures import Figure, FigureBook, latest_period
from tradebot.intents import CHART_MONTHS_DEFAULT, CHART_MONTHS_MAX, CHART_MONTHS_MIN
from tradebot.periods import Month, Period
from tradebot.query import Query
from tradebot.store import Store
from tradebot.vocabulary import MONEY, currency_words

# the `indicator` option → what is drawn, the first one being the headline series
PLOTTED = {
    "balance": ("balance", "exports", "imports"),  # balance bars, exports and imports lines
    "exports": ("exports",),
    "imports": ("imports",),
    "total_trade": ("total_trade",),
}
INDICATOR_CHOICES = tuple(PLOTTED)
DEFAULT_INDICATOR = "balance"
DEFAULT_MONTHS, MIN_MONTHS, MAX_MONTHS = CHART_MONTHS_DEFAULT, CHART_MONTHS_MIN, CHART_MONTHS_MAX
# how far back the newest month with data is looked for before giving up
MAX_ENDS_SEARCHED = 600


# 1000 × 560 px: wide enough for ten years of months, small enough for Discord's preview
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.6, 100
MAX_PNG_BYTES = 300 * 1024
# legible on Discord's dark (#313338) and light (#ffffff) themes: mid-luminance colours on a
# transparent background (contrast ≥ 3:1 against both for the grey text)
TEXT = "#80848e"
GRID = "#80848e"
COLOURS = {
    "surplus": wording.TONE_COLOURS["surplus"],  # bars in the colours of an answer's embed
    "deficit": wording.TONE_COLOURS["deficit"],
    "exports": "#3b82f6",
    "imports": "#f08c00",
    "total_trade": "#8b5cf6",
}


@dataclass(frozen=True)
class ChartPoint:
    """One month, or China's combined January–February (`cumulative`), with the figure
    the store backs it with; `value` None is a gap."""

    period: Period
    value: float | None
    derived: bool = False
    figure: Figure | None = None

    @property
    def cumulative(self) -> bool:
        return not self.period.is_month

    @property
    def plotted(self) -> float | None:
        """Where it is drawn on a monthly axis: a two-month total at its average per month."""
        return None if self.value is None else self.value / self.period.months


@dataclass(frozen=True)
class ChartData:
    reporter: str
    partner: str
    indicators: tuple[str, ...]  # the first is the headline series
    currency: str
    window: Period  # first to last month shown
    series: dict[str, tuple[ChartPoint, ...]]
    sources: tuple[str, ...]
    released: str  # the newest release among the figures shown (`published`)
    title: str
    caption: str
    notes: tuple[str, ...] = field(default_factory=tuple)  # the caption's parts after source and release

    @property
    def indicator(self) -> str:
        return self.indicators[0]

    @property
    def points(self) -> tuple[ChartPoint, ...]:
        return self.series[self.indicator]

    @property
    def figures(self) -> list[Figure]:
        """Every figure drawn, series by series in time order."""
        return [point.figure for name in self.indicators for point in self.series[name] if point.figure is not None]

    @property
    def latest(self) -> ChartPoint | None:
        """The newest point of the headline series that has a value."""
        return next((point for point in reversed(self.points) if point.value is not None), None)

    @property
    def latest_text(self) -> str:
        """`Jan–Feb 2026: surplus $213.6 bn` — the label on the newest bar or line end."""
        point = self.latest
        if point is None:
            return ""
        amount = formatting.money(point.value, self.currency)
        if self.indicator == "balance":
            amount = f"{wording.balance_word(point.value)} {amount}"
        marks = [mark for mark, on in (("computed", point.derived), ("two months", point.cumulative)) if on]
        return f"{point.period.label}: {amount}" + (f" ({', '.join(marks)})" if marks else "")


# --- the data ---


def series(
    store: Store,
    reporter: str,
    partner: str,
    indicators: str | Sequence[str],
    months: int = DEFAULT_MONTHS,
    currency: str = "USD",
    end: Month | str | None = None,
) -> ChartData:
    """The monthly series for the `months` months ending at the newest month with data
    (or at `end`). `indicators` is an `indicator` option (`balance` draws the balance with
    exports and imports) or the indicators themselves, headline first.
    Raises `NoData` naming the latest period that exists when there is nothing to draw."""
    names = PLOTTED[indicators] if isinstance(indicators, str) else tuple(indicators)
    unknown = [name for name in names if name not in MONEY]
    if not names or unknown:
        raise NotUnderstood(f"A chart shows {', '.join(INDICATOR_CHOICES)}; not “{echo(', '.join(unknown)) or 'nothing'}”.")
    if isinstance(months, bool) or not isinstance(months, int) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise BadPeriod(f"months is how many months a chart shows, from {MIN_MONTHS} to {MAX_MONTHS}; not {echo(str(months))}.")
    what = wording.flow_phrase(reporter, names[0], partner)
    if not store.has_reporter(reporter):
        raise NoData(wording.not_reporting(store, reporter))
    needed = _needed(names)
    if end is None:
        last = newest_month(store, reporter, partner, names, currency)
        if last is None:
            raise NoData(_nothing_monthly(store, reporter, partner, names[0], currency, what))
    else:
        last = Month.parse(end) if isinstance(end, str) else end
    first = last.plus(1 - months)
    # from the month before, so a January–February figure ending in the first month is loaded
    rows = store.series_rows(reporter, partner, needed, first.plus(-1), last)
    book = FigureBook(reporter, partner, rows, currency)
    drawn = {name: _points(book, name, first, last) for name in names}
    if any(points and points[0].period.start < first for points in drawn.values()):
        # the window opens in February and a combined Jan–Feb covers it: show January too
        first = first.plus(-1)
        drawn = {name: _points(book, name, first, last) for name in names}
    starts = [point.period.start for points in drawn.values() for point in points if point.value is not None]
    if starts and min(starts) > first:
        # nothing stored for the window's first months: start where the figures do, not with empty months
        first = min(starts)
        drawn = {name: _points(book, name, first, last) for name in names}
    shown = [point.figure for points in drawn.values() for point in points if point.figure is not None]
    if not shown:
        latest = latest_period(store, reporter, partner, names[0], currency)
        window = Period(first, last)
        after = f"; the latest is {latest[0].label}" if latest else ""
        raise NoData(f"No monthly figures for {what} in {window.label}{after}.")
    sources = tuple(wording.source_names(shown))
    newest = max(shown, key=lambda figure: figure.published)
    released = newest.published
    notes = _notes(drawn, names)
    caption = " · ".join([wording.source_footer(newest, shown), *notes])
    return ChartData(
        reporter=reporter, partner=partner, indicators=names, currency=currency, window=Period(first, last),
        series={name: tuple(points) for name, points in drawn.items()}, sources=sources, released=released,
        title=_title(reporter, partner, names, currency), caption=caption, notes=tuple(notes),
    )


def for_query(store: Store, query: Query, indicator: str | None = None, months: int | None = None) -> ChartData:
    """The chart a query asks for: `/chart` options, or a phrase such as “chart china exports”
    (its flow, currency and period: a fixed period of several months is the window)."""
    if query.reporter is None:
        raise NotUnderstood("Chart which country? For example `/chart china` or “chart china exports”.")
    if query.measure != "level":
        raise NotAvailable("Charts show monthly amounts; growth-rate and share charts are not available yet — try “chart china exports”.")
    indicator = indicator or _query_indicator(query) or DEFAULT_INDICATOR
    if indicator not in PLOTTED:
        raise NotUnderstood(f"indicator is one of {', '.join(INDICATOR_CHOICES)}; not “{echo(indicator)}”.")
    currency = query.currency or newest_currency(store, query.reporter, query.partner, PLOTTED[indicator])
    end = None
    asked = query.period.period if query.period.kind == "fixed" else None
    if asked is not None:
        newest = newest_month(store, query.reporter, query.partner, PLOTTED[indicator], currency)
        end = min(asked.end, newest) if newest is not None else asked.end
        if months is None and not asked.is_month and asked.start <= end:
            months = min(MAX_MONTHS, max(MIN_MONTHS, Period(asked.start, end).months))
    return series(store, query.reporter, query.partner, indicator, DEFAULT_MONTHS if months is None else months, currency, end)


def _query_indicator(query: Query) -> str | None:
    return query.indicator if query.indicator in PLOTTED else None


def newest_currency(store: Store, reporter: str, partner: str, indicators: Sequence[str]) -> str:
    """The currency whose monthly series reaches the newest month (dollars on a tie), as
    answers choose: the bulletin's yuan months run past the dollar headlines."""
    best, best_month = "USD", None
    for currency in store.currencies(reporter):
        month = newest_month(store, reporter, partner, indicators, currency)
        if month is not None and (best_month is None or month > best_month):
            best, best_month = currency, month
    return best


def newest_month(store: Store, reporter: str, partner: str, indicators: Sequence[str], currency: str = "USD") -> Month | None:
    """The newest month any of `indicators` has a monthly (or China's Jan–Feb) figure for,
    published or derived. Walks the stored end months newest first, merged over the
    indicators a value can come from, loading one end month's rows at a time."""
    needed = _needed(indicators)
    ends = (end for end, _ in itertools.groupby(
        heapq.merge(*(_periods_newest_first(store, reporter, partner, name, currency) for name in needed),
                    key=lambda period: period.end, reverse=True),
        key=lambda period: period.end))
    for end in itertools.islice(ends, MAX_ENDS_SEARCHED):
        book = FigureBook(reporter, partner, store.series_rows(reporter, partner, needed, end, end), currency)
        for name in indicators:
            if book.value(name, Period.month(end), allow_sum=False):
                return end
            if end.month == 2 and book.value(name, Period.jan_feb(end.year), allow_sum=False):
                return end
    return None


def _periods_newest_first(store: Store, reporter: str, partner: str, indicator: str, currency: str,
                          page: int = 32) -> Iterator[Period]:
    offset = 0
    while True:
        rows = store.recent_periods(reporter, partner, indicator, limit=page, offset=offset, unit=currency)
        yield from rows
        if len(rows) < page:
            return
        offset += page


def _needed(indicators: Sequence[str]) -> list[str]:
    """The stored indicators a chart of `indicators` reads: a balance or total trade can be
    derived from exports and imports."""
    needed = list(indicators)
    if any(name in ("balance", "total_trade") for name in indicators):
        needed += [name for name in ("exports", "imports") if name not in needed]
    return needed


def _points(book: FigureBook, indicator: str, first: Month, last: Month) -> list[ChartPoint]:
    """One point per month from `first` to `last`; China's combined January–February is one
    point covering both months, used when neither month has a figure of its own."""
    points: list[ChartPoint] = []
    month = first
    while month <= last:
        january, february = Month(month.year, 1), Month(month.year, 2)
        if month.month <= 2 and (month == january or month == first) and february <= last:
            alone = book.value(indicator, Period.month(january), allow_sum=False) or book.value(
                indicator, Period.month(february), allow_sum=False)
            combined = None if alone else book.value(indicator, Period.jan_feb(month.year), allow_sum=False)
            if combined:
                points.append(ChartPoint(combined.period, combined.value, combined.derived, combined))
                month = february.plus(1)
                continue
        figure = book.value(indicator, Period.month(month), allow_sum=False)
        points.append(ChartPoint(Period.month(month), figure.value if figure else None, bool(figure and figure.derived), figure))
        month = month.plus(1)
    return points


def _notes(drawn: dict[str, list[ChartPoint]], names: Sequence[str]) -> list[str]:
    points = [point for name in names for point in drawn[name]]
    notes = []
    if any(point.cumulative and point.value is not None for point in points):
        shape = "bar" if names[0] == "balance" else "segment"
        notes.append(f"Jan–Feb is one two-month figure, drawn as one {shape} at its monthly average (total ÷ 2, computed)")
    if any(point.derived for point in points):
        how = {"balance": "exports − imports", "total_trade": "exports + imports"}
        derived = [name for name in names if any(point.derived for point in drawn[name])]
        for name in derived:
            shape = "hatched bars" if name == "balance" and names[0] == "balance" else "hollow points"
            notes.append(f"{shape}: {wording.FLOW_NAMES[name]} computed as {how.get(name, 'published parts')}")
    if any(point.value is None for point in points):
        notes.append("gaps: no figure in the store")
    return notes


def _title(reporter: str, partner: str, names: Sequence[str], currency: str) -> str:
    name = countries.by_code(reporter).name
    if names[0] == "balance":
        what = "trade balance, exports and imports"
        if partner != "WLD":
            what = f"trade{wording.partner_words('balance', partner)}: balance, exports and imports"
    else:
        what = wording.FLOW_NAMES[names[0]] + wording.partner_words(names[0], partner)
    return f"{name} — {what}, monthly, in {currency_words(currency)}"


def _nothing_monthly(store: Store, reporter: str, partner: str, indicator: str, currency: str, what: str) -> str:
    latest = latest_period(store, reporter, partner, indicator, currency)
    if latest is None:
        return f"The store has no figures for {what}."
    return f"The store has no monthly figures for {what}, only cumulative ones; the latest is {latest[0].label}."


# --- the picture ---


@dataclass
class Layout:
    """What `render` hands matplotlib, in plain numbers: x is the month's index in the
    window (a two-month point spans two indices); NaN in a line's y is a break."""

    months: list[Month]
    bars: list[dict]  # x, width, height, colour, hatched, cumulative
    lines: dict[str, tuple[list[float], list[float]]]  # indicator → (x, y with NaN for gaps)
    hollow: dict[str, list[int]]  # indicator → indices of a line's computed points (drawn hollow)
    segments: list[dict]  # two-month points of a line: indicator, x0, x1, y, derived
    label: tuple[float, float, str] | None  # the latest value: x, y, text
    ticks: list[tuple[float, str]] = field(default_factory=list)  # x-axis: position, text (a two-month span: “Jan–Feb”)


def layout(data: ChartData) -> Layout:
    months = [data.window.start.plus(i) for i in range(data.window.months)]
    index = {month: i for i, month in enumerate(months)}
    bars: list[dict] = []
    lines: dict[str, tuple[list[float], list[float]]] = {}
    segments: list[dict] = []
    hollow: dict[str, list[int]] = {}
    barred = data.indicator if data.indicator == "balance" else None
    for name in data.indicators:
        ys = [math.nan] * len(months)
        for point in data.series[name]:
            x0 = index[point.period.start]
            if point.value is None:
                continue  # a gap: no bar, and the line breaks
            if name == barred:
                colour = COLOURS[wording.balance_word(point.value)]
                span = point.period.months
                bars.append({"x": x0 + (span - 1) / 2, "width": span - 0.25, "height": point.plotted, "colour": colour,
                             "hatched": point.derived, "cumulative": point.cumulative})
            elif point.cumulative:
                segments.append({"indicator": name, "x0": x0, "x1": x0 + point.period.months - 1, "y": point.plotted,
                                 "derived": point.derived})
            else:
                ys[x0] = point.value
                if point.derived:
                    hollow.setdefault(name, []).append(x0)
        if name != barred:
            lines[name] = ([float(i) for i in range(len(months))], ys)
            hollow.setdefault(name, [])
    label = None
    latest = data.latest
    if latest is not None:
        x = index[latest.period.start] + (latest.period.months - 1) / 2
        label = (x, latest.plotted, data.latest_text)
    spans = {point.period.start: point.period for points in data.series.values() for point in points if point.cumulative}
    return Layout(months=months, bars=bars, lines=lines, hollow=hollow, segments=segments, label=label, ticks=_ticks(months, spans))


def _ticks(months: list[Month], spans: dict[Month, Period]) -> list[tuple[float, str]]:
    """At most about 13 month labels, on round months; a combined Jan–Feb is labelled as one,
    centred on its two months; the year under January and under the first label."""
    step = next(step for step in (1, 2, 3, 6, 12, 24) if len(months) / step <= 13)
    covered = {month for span in spans.values() for month in (span.start.plus(i) for i in range(1, span.months))}
    ticks = []
    for i, month in enumerate(months):
        if (month.month - 1) % step or month in covered:
            continue
        span = spans.get(month)
        text = f"{span.start.abbr}–{span.end.abbr}" if span else month.abbr
        if month.month == 1 or not ticks:
            text += f"\n{month.year}"
        ticks.append((i + (span.months - 1) / 2 if span else float(i), text))
    return ticks


_RENDER_LOCK = threading.Lock()  # matplotlib is not thread-safe; renders take turns


def draw(data: ChartData):
    """The matplotlib `Figure` of a chart (Agg backend, no pyplot): `render` saves it; tests
    read what was plotted from it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    plan = layout(data)
    fig = MplFigure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    fig.patch.set_alpha(0.0)
    ax = fig.add_axes((0.095, 0.2, 0.88, 0.62))
    ax.patch.set_alpha(0.0)
    handles = []

    for bar in plan.bars:
        ax.bar(bar["x"], bar["height"], width=bar["width"], color=bar["colour"], alpha=0.45 if bar["hatched"] else 0.9,
               hatch="////" if bar["hatched"] else None, edgecolor=bar["colour"], linewidth=0.8 if bar["hatched"] else 0, zorder=2)
    if plan.bars:
        signs = {bar["colour"] for bar in plan.bars}
        for word in ("surplus", "deficit"):
            if COLOURS[word] in signs:
                handles.append(Patch(color=COLOURS[word], alpha=0.9, label=f"Balance: {word}"))
        if any(bar["hatched"] for bar in plan.bars):
            handles.append(Patch(facecolor="none", edgecolor=TEXT, hatch="////", label="computed"))
        ax.axhline(0, color=GRID, linewidth=1, alpha=0.8, zorder=1)

    for name, (xs, ys) in plan.lines.items():
        colour = COLOURS.get(name, TEXT)
        hollow = set(plan.hollow.get(name, ()))
        # the line breaks at NaN; published points filled, computed ones hollow
        ax.plot(xs, ys, color=colour, linewidth=2.2, marker="o", markersize=3.5, label=wording.flow_label(name), zorder=3,
                markevery=[i for i, y in enumerate(ys) if not math.isnan(y) and i not in hollow])
        if hollow:
            ax.plot(sorted(hollow), [ys[i] for i in sorted(hollow)], linestyle="none", marker="o", markersize=5,
                    markerfacecolor="none", markeredgecolor=colour, markeredgewidth=1.4, label=f"_{name} computed", zorder=4)
        if any(segment["indicator"] == name for segment in plan.segments) or not all(math.isnan(y) for y in ys):
            handles.append(Line2D([], [], color=colour, linewidth=2.2, marker="o", markersize=3.5, label=wording.flow_label(name)))
    for segment in plan.segments:
        colour = COLOURS.get(segment["indicator"], TEXT)
        ax.plot([segment["x0"], segment["x1"]], [segment["y"], segment["y"]], color=colour, linewidth=2.2, marker="o",
                markersize=5 if segment["derived"] else 3.5, markerfacecolor="none" if segment["derived"] else colour,
                markeredgewidth=1.4, label=f"_{segment['indicator']} Jan–Feb", zorder=3)

    if plan.label is not None:
        # the newest value: its point ringed, its text at the right of the legend row (never over the data)
        x, y, text = plan.label
        ax.plot([x], [y], linestyle="none", marker="o", markersize=9, markerfacecolor="none", markeredgecolor=TEXT,
                markeredgewidth=1.6, label="_latest", zorder=5)
        fig.text(0.975, 0.855, f"Latest · {text}", fontsize=10, fontweight="bold", color=TEXT, ha="right", va="center", parse_math=False)

    _style_axes(ax, plan, data.currency, FuncFormatter)
    fig.text(0.095, 0.93, data.title, fontsize=15, fontweight="bold", color=TEXT, ha="left", va="baseline", parse_math=False)
    if handles:
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.09, 0.855), ncol=len(handles), frameon=False,
                   fontsize=9.5, labelcolor=TEXT, handlelength=1.6, columnspacing=1.4)
    fig.text(0.095, 0.03, "\n".join(textwrap.wrap(data.caption, 125)), fontsize=9, color=TEXT, ha="left", va="bottom", parse_math=False)
    return fig


def _style_axes(ax, plan: Layout, currency: str, formatter) -> None:
    ax.set_xlim(-0.75, len(plan.months) - 0.25)
    ax.set_xticks([x for x, _ in plan.ticks])
    ax.set_xticklabels([text for _, text in plan.ticks])
    ax.yaxis.set_major_formatter(formatter(lambda value, _pos: _axis_money(value, currency)))
    ax.margins(y=0.12)
    ax.grid(axis="y", color=GRID, alpha=0.25, linewidth=0.8, zorder=0)
    ax.tick_params(colors=TEXT, labelsize=9.5, length=0)
    _axis_line_only(ax, "bottom")


def _axis_line_only(ax, side: str) -> None:
    """One faint axis line, on the side the values are read from; the other spines hidden."""
    for name, spine in ax.spines.items():
        spine.set_visible(name == side)
        spine.set_color(GRID)
        spine.set_alpha(0.5)


def _axis_money(value: float, currency: str) -> str:
    if abs(value) < 0.5:
        return formatting.money(0, currency)
    # one decimal fewer than in sentences: axis ticks are round numbers ($300 bn, $1.2 tn)
    return (formatting.MINUS if value < 0 else "") + formatting.money(value, currency, extra_decimals=-1)


@dataclass(frozen=True)
class Bars:
    """One horizontal bar per item, largest on top, exactly the figures the answer lists: what
    the US imports from a partner by product (customs value), or contributions to a total's
    growth (signed, in points or money; rises green, falls red) with the total's growth marked."""

    reporter: str
    partner: str
    indicator: str
    currency: str
    period: Period
    bars: tuple[tuple[str, Figure], ...]  # (label, its figure), in the order drawn from the top
    title: str
    caption: str
    marker: tuple[str, Figure] | None = None  # (label, figure): a vertical line, the total's growth

    @property
    def figures(self) -> list[Figure]:
        return [figure for _label, figure in self.bars] + ([self.marker[1]] if self.marker else [])


def _bar_value(figure: Figure) -> str:
    """A bar's label: an amount (signed when a change can be negative), or points."""
    if figure.is_money:
        return (formatting.signed_money if figure.indicator.endswith("_change") else formatting.money)(figure.value, figure.unit)
    return formatting.points(figure.value) + (" pts" if figure.unit == "points" else "%")


def draw_bars(data: Bars):
    """The matplotlib `Figure` of `Bars` (Agg, no pyplot); computed values are hatched."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import FuncFormatter

    fig = MplFigure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    fig.patch.set_alpha(0.0)
    ax = fig.add_axes((0.36, 0.16, 0.56, 0.7))
    ax.patch.set_alpha(0.0)
    figures = [figure for _, figure in data.bars][::-1]  # barh draws bottom-up: the first on top
    labels = [label for label, _ in data.bars][::-1]
    values = [figure.value for figure in figures]
    signed = any(value < 0 for value in values) or data.marker is not None
    colours = [COLOURS["surplus"] if value >= 0 else COLOURS["deficit"] for value in values] if signed \
        else [COLOURS["imports"]] * len(values)
    ax.barh(range(len(values)), values, color=colours, alpha=0.9, hatch=["////" if f.derived and not signed else None for f in figures],
            edgecolor=colours, linewidth=0, zorder=2)
    for y, figure in enumerate(figures):
        ax.text(figure.value, y, f" {_bar_value(figure)} ", va="center", ha="left" if figure.value >= 0 else "right",
                fontsize=9, color=TEXT, parse_math=False)
    if data.marker is not None:
        label, total = data.marker
        ax.axvline(total.value, color=TEXT, linewidth=1.2, linestyle="--", zorder=3)
        ax.text(total.value, len(values) - 0.4, f" {label} {_bar_value(total)}", va="bottom", ha="left", fontsize=9,
                color=TEXT, parse_math=False)
    if signed:
        ax.axvline(0, color=GRID, linewidth=0.8, zorder=1)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels)
    money = figures[0].is_money if figures else True
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda value, _pos: _axis_money(value, data.currency) if money else formatting.points(value)))
    ax.margins(x=0.18)
    ax.grid(axis="x", color=GRID, alpha=0.25, linewidth=0.8, zorder=0)
    ax.tick_params(colors=TEXT, labelsize=9, length=0)
    _axis_line_only(ax, "left")
    fig.text(0.02, 0.93, data.title, fontsize=14, fontweight="bold", color=TEXT, ha="left", va="baseline", parse_math=False)
    fig.text(0.02, 0.03, "\n".join(textwrap.wrap(data.caption, 140)), fontsize=9, color=TEXT, ha="left", va="bottom",
             parse_math=False)
    return fig


def render(data: ChartData | Bars) -> bytes:
    """The chart as a PNG of 1000 × 560 px with a transparent background. The same data
    gives the same bytes (no timestamp or version in the file)."""
    with _RENDER_LOCK:
        fig = draw(data) if isinstance(data, ChartData) else draw_bars(data)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, transparent=True, metadata={"Software": None})
    png = buffer.getvalue()
    if len(png) > MAX_PNG_BYTES:  # a safety net: a chart of this size is ~60–120 KB
        raise RuntimeError(f"chart PNG is {len(png):,} bytes, over the {MAX_PNG_BYTES:,} limit")
    return png
