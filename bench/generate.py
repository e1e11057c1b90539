"""A deterministic, IMF-scale IMTS response in the real SDMX-CSV layout, for the benchmarks.

    .venv/bin/python bench/generate.py [--observations N] [--out PATH] [--seed S]

Writes one plain (not gzipped) SDMX-CSV file in the 2.1 layout of the real IMF responses
(`shared/data/imf_imts/*.csv.gz`, PROVENANCE.md): a `DATAFLOW` first column, the same 41
columns in the same order, and each indicator's attribute columns copied byte for byte from
the real file (SCALE 6, TRADE_FLOW, VALUATION, the dates, the licence with its ©, the series
name). Rows are reporters × partners (59 ISO alpha-3 partners from pycountry plus G001, the
world) × 3 indicators (MG_CIF_USD, TBG_USD, XG_FOB_USD, in series-key order) × months,
ending 2026-M04 like the real samples; the last row is the metadata-only MG_FOB_USD row the
IMF appends. Values are plain US dollars at plausible sizes (a reporter's world exports and
imports, split among partners that cover about 70% of it, with trend, seasonality and noise);
TBG_USD is exactly XG_FOB_USD − MG_CIF_USD, as in the real data.

The size is set by the number of observations: 280 months × 60 partners × 3 indicators
= 50,400 per reporter, and as many reporters (China, the US and the other G20 and ASEAN
economies first) as it takes to reach at least N; the default 10,000,000 gives 199
reporters = 10,029,600 observations (about 6 GB). The file is streamed reporter by
reporter, so memory stays small. A JSON sidecar (`PATH.json`) records what was written; the
benchmarks read the reporters, partners and months from it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pycountry

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
SEED = 20260805
DEFAULT_OBSERVATIONS = 10_000_000

HEADER = (
    "DATAFLOW,COUNTRY,INDICATOR,COUNTERPART_COUNTRY,FREQUENCY,TIME_PERIOD,OBS_VALUE,SCALE,PRECISION,DECIMALS_DISPLAYED,"
    "TRADE_FLOW,VALUATION,UNIT,DERIVATION_TYPE,OVERLAP,STATUS,DOI,FULL_DESCRIPTION,AUTHOR,PUBLISHER,DEPARTMENT,CONTACT_POINT,"
    "TOPIC,TOPIC_DATASET,KEYWORDS,KEYWORDS_DATASET,LANGUAGE,PUBLICATION_DATE,UPDATE_DATE,METHODOLOGY,METHODOLOGY_NOTES,"
    "ACCESS_SHARING_LEVEL,ACCESS_SHARING_NOTES,SECURITY_CLASSIFICATION,SOURCE,SHORT_SOURCE_CITATION,FULL_SOURCE_CITATION,"
    "LICENSE,SUGGESTED_CITATION,KEY_INDICATOR,SERIES_NAME"
)
DATAFLOW = "IMF.STA:IMTS(1.0.0)"
_DATES = "2026-08-05T23:36:59.553138600Z,2026-08-05T23:36:59.603105500Z"
_COMMON = (
    "IMF,STA,datahelp@imf.org,{topic},\"L81,F10_I,F10_E\",,DOTS,EN," + _DATES + ",{method},,PUBLIC_OPEN,,PUB,,"
    "Country Authorities; National Summary Data Pages (NDSPs),,"
    "© International Monetary Fund Copyright. All Rights Reserved. https://www.imf.org/external/terms.htm,"
    "\"International Monetary Fund. International Trade in Goods (by partner country), "
    "https://data.imf.org/en/datasets/IMF.STA:IMTS. Accessed on [current date].\",true,"
)
# Everything after OBS_VALUE, per indicator, exactly as in imf_imts_nic_g001.csv.gz.
TAILS = {
    "MG_CIF_USD": "6,,,MG,CIF,USD,M,OL,,,,," + _COMMON.format(topic="F10_I", method="IMTS")
                  + "\"Imports of goods, Cost insurance freight (CIF), US dollar\"",
    "TBG_USD": "6,,,TBG,,USD,M,OL,,,,," + _COMMON.format(topic="\"L81,F10_I,F10_E\"", method="IMTS")
               + "\"Trade balance goods, US dollar\"",
    "XG_FOB_USD": "6,,,XG,FOB,USD,M,OL,,,,," + _COMMON.format(topic="F10_E", method="IMTS")
                  + "\"Exports of goods, Free on board (FOB), US dollar\"",
}
METADATA_ROW = (
    f"{DATAFLOW},,MG_FOB_USD,,,,,,,,MG,FOB,USD,,,,,,," + _COMMON.format(topic="F10_I", method="")
    + "\"Imports of goods, Free on board (FOB), US dollar\""
)
INDICATORS = ("MG_CIF_USD", "TBG_USD", "XG_FOB_USD")  # series-key order, as the IMF sends them

LAST_MONTH = (2026, 4)  # the newest month in the real samples
MONTHS = 280  # 2003-M01 … 2026-M04
PARTNER_COUNTRIES = 59  # plus G001, the world
WORLD = "G001"

# The reporters people ask about come first, so every size has them.
FIRST_REPORTERS = (
    "CHN", "USA", "DEU", "JPN", "KOR", "BRA", "FRA", "GBR", "IND", "ITA", "CAN", "MEX", "AUS", "IDN", "RUS", "SAU", "TUR",
    "ARG", "ZAF", "VNM", "THA", "MYS", "SGP", "PHL", "NLD", "ESP", "CHE", "POL", "SWE", "BEL",
)
# The main trading partners; the spares stand in when the reporter is one of the first 59.
PARTNER_POOL = (
    "USA", "CHN", "DEU", "JPN", "GBR", "FRA", "ITA", "NLD", "KOR", "IND", "CAN", "MEX", "BRA", "RUS", "ESP", "BEL", "CHE",
    "SGP", "HKG", "TWN", "AUS", "THA", "MYS", "VNM", "IDN", "PHL", "SAU", "ARE", "TUR", "POL", "SWE", "AUT", "IRL", "NOR",
    "DNK", "FIN", "CZE", "HUN", "PRT", "GRC", "ROU", "ISR", "ZAF", "NGA", "EGY", "ARG", "CHL", "COL", "PER", "PAK", "BGD",
    "KAZ", "UKR", "NZL", "QAT", "KWT", "IRN", "DZA", "MAR",
    "LKA", "KEN", "ECU", "OMN",
)


def reporter_pool() -> list[str]:
    rest = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 not in FIRST_REPORTERS)
    return [*FIRST_REPORTERS, *rest]


def partners_of(reporter: str) -> list[str]:
    """59 partner countries (never the reporter itself) and the world, in code order."""
    countries = [code for code in PARTNER_POOL if code != reporter][:PARTNER_COUNTRIES]
    return sorted([*countries, WORLD])


def month_labels(months: int) -> list[str]:
    year, month = LAST_MONTH
    index = year * 12 + month - 1
    return [f"{(i // 12):04d}-M{(i % 12) + 1:02d}" for i in range(index - months + 1, index + 1)]


def layout(observations: int) -> dict:
    """How many reporters and months give at least `observations`."""
    per_month = (PARTNER_COUNTRIES + 1) * len(INDICATORS)
    pool = reporter_pool()
    reporters = max(1, math.ceil(observations / (per_month * MONTHS)))
    months = MONTHS
    if reporters > len(pool):  # beyond 249 reporters × 280 months: go further back in time
        reporters = len(pool)
        months = math.ceil(observations / (per_month * reporters))
    return {"reporters": pool[:reporters], "months": months, "observations": reporters * per_month * months}


def _series(rng: np.random.Generator, rank: int, months: int, partners: int) -> tuple[np.ndarray, np.ndarray]:
    """Exports and imports, USD, shape (partners + 1, months); row 0 is the world. The
    reporter's size falls with its place in the list: China about $300 bn of exports a
    month in 2026, the 30th about $7 bn, the 200th about $1 bn."""
    t = np.arange(months)
    season = 1 + 0.06 * np.sin(2 * np.pi * (t % 12) / 12 + rng.uniform(0, 2 * np.pi))
    size = 3e11 * (rank + 1) ** -1.1 * math.exp(rng.normal(0, 0.2))
    out = []
    for flow in range(2):
        level = size if flow == 0 else size * math.exp(rng.normal(-0.05, 0.25))  # imports: either side of exports
        growth = rng.normal(0.045, 0.03) / 12
        trend = level * np.exp(growth * (t - months + 1))
        world = trend * season * np.exp(rng.normal(0, 0.05, months))
        shares = rng.dirichlet(np.full(partners, 0.6)) * rng.uniform(0.55, 0.85)  # the rest of the world: 15–45%
        noise = np.exp(rng.normal(0, 0.12, (partners, months)))
        bilateral = shares[:, None] * world[None, :] * noise
        out.append(np.vstack([world, bilateral]).round(2) + rng.uniform(0, 1, (partners + 1, months)).round(6))
    return out[0], out[1]


def generate(path: Path, observations: int = DEFAULT_OBSERVATIONS, seed: int = SEED, progress: bool = True) -> dict:
    plan = layout(observations)
    months = month_labels(plan["months"])
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    written = 0
    partner_map: dict[str, list[str]] = {}
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "w", encoding="utf-8", newline="\n", buffering=16 * 1024 * 1024) as out:
        out.write(HEADER + "\n")
        for number, reporter in enumerate(plan["reporters"]):
            rng = np.random.default_rng([seed, number])
            partners = partners_of(reporter)
            partner_map[reporter] = partners
            world_at = partners.index(WORLD)
            exports, imports = _series(rng, number, len(months), len(partners) - 1)
            # row 0 of the arrays is the world; put it where G001 sorts among the partners
            order = [*range(1, world_at + 1), 0, *range(world_at + 1, len(partners))]
            exports, imports = exports[order], imports[order]
            values = {"MG_CIF_USD": imports, "TBG_USD": exports - imports, "XG_FOB_USD": exports}
            lines = []
            for indicator in INDICATORS:
                tail = TAILS[indicator]
                for row, partner in enumerate(partners):
                    prefix = f"{DATAFLOW},{reporter},{indicator},{partner},M,"
                    lines += [f"{prefix}{month},{value!r},{tail}\n" for month, value in zip(months, values[indicator][row].tolist(), strict=True)]
            out.write("".join(lines))
            written += len(lines)
            if progress and (number % 20 == 19 or number == len(plan["reporters"]) - 1):
                rate = written / (time.perf_counter() - started)
                print(f"  generated {written:,} observations ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        out.write(METADATA_ROW + "\n")
    tmp.replace(path)
    meta = {
        "path": str(path), "seed": seed, "observations": written, "requested": observations,
        "reporters": plan["reporters"], "partners": partner_map, "months": [m.replace("-M", "-") for m in months],
        "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - started, 1),
    }
    Path(str(path) + ".json").write_text(json.dumps(meta), encoding="utf-8")
    return meta


def ensure(observations: int, seed: int = SEED, out_dir: Path = OUT_DIR) -> dict:
    """The generated file for this size and seed, written only if not there yet."""
    path = out_dir / f"imts_{observations}_{seed}.csv"
    sidecar = Path(str(path) + ".json")
    if path.exists() and sidecar.exists():
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if meta.get("bytes") == path.stat().st_size:
            meta["reused"] = True
            return meta
    meta = generate(path, observations, seed)
    meta["reused"] = False
    return meta


def prefix_file(meta: dict, observations: int) -> dict:
    """The first `observations` rows of a generated file (whole reporters), as its own file:
    for measuring the import at a smaller size without generating again."""
    per_reporter = len(next(iter(meta["partners"].values()))) * len(INDICATORS) * len(meta["months"])
    reporters = max(1, min(len(meta["reporters"]), observations // per_reporter))
    rows = reporters * per_reporter
    source = Path(meta["path"])
    path = source.with_name(f"{source.stem}_first{rows}.csv")
    if not path.exists():
        with open(source, "rb") as src, open(path.with_suffix(".part"), "wb") as dst:
            for index, line in enumerate(src):
                if index > rows:
                    break
                dst.write(line)
            dst.write((METADATA_ROW + "\n").encode("utf-8"))
        path.with_suffix(".part").replace(path)
    kept = meta["reporters"][:reporters]
    return {**meta, "path": str(path), "observations": rows, "reporters": kept,
            "partners": {r: meta["partners"][r] for r in kept}, "bytes": path.stat().st_size}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--observations", type=int, default=DEFAULT_OBSERVATIONS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="default: bench/out/imts_N_SEED.csv")
    args = parser.parse_args(argv)
    path = args.out or OUT_DIR / f"imts_{args.observations}_{args.seed}.csv"
    meta = generate(path, args.observations, args.seed)
    print(f"{meta['observations']:,} observations, {len(meta['reporters'])} reporters, {meta['bytes'] / 1e9:.2f} GB "
          f"in {meta['seconds']} s → {path}")


if __name__ == "__main__":
    main()
