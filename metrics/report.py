"""What the CLI and pages print: indicator and compliance reports as DataFrames, JSON-ready records
and plain-text Chinese tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from data import texts
from metrics.catalogue import CATALOGUE, PERCENT, Indicator, by_key, describe
from metrics.compliance import RULES, Compliance, Rule, compliance
from metrics.frames import cutoff, plain, prepare
from metrics.progress import progress_table
from metrics.states import label


def indicator_report(frames: dict, year: int, as_of: object = None,
                     catalogue: tuple[Indicator, ...] = CATALOGUE, *,
                     tolerance_pp: float = 0.0) -> tuple[pd.DataFrame, list[dict]]:
    """The progress table (see ``progress.progress_table``) and one JSON-ready dict per indicator;
    with ``tolerance_pp`` (the settings' 略滞后 band, as on the dashboard) ``metrics.glance.band`` applied.

    Each dict: key, name, value, unit, target (None without one), completion, time_progress,
    status (the stable ``metrics.states.Status`` value), status_label (its Chinese label), gap_pp,
    summary, previous, yoy, description (口径). Rates are fractions.
    """
    df = progress_table(prepare(frames), year, as_of, catalogue)
    if tolerance_pp:
        from metrics.glance import with_tolerance

        df = with_tolerance(df, tolerance_pp)
    records = []
    for row in df.to_dict("records"):
        rec = {}
        for k, v in row.items():
            rec[k] = plain(v)
            if k == "status":
                rec["status_label"] = None if v is None else label(v)
        records.append(rec)
    for rec in records:
        rec["description"] = describe(by_key(rec["key"], catalogue))
    return df, records


def compliance_report(frames: dict, year: int, as_of: object = None, local_rules: Iterable[Mapping] = (),
                      rules: tuple[Rule, ...] = RULES) -> Compliance:
    """The compliance result for the CLI and pages: ``.grid``, ``.missing``, ``.notes``, ``.quorum``
    and ``.records()`` (JSON-ready, one dict per grid cell). ``local_rules``: ``Settings.local_rules``;
    a malformed entry raises ``data.errors.SettingsError``."""
    return compliance(prepare(frames), year, as_of, rules, local_rules)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(texts.display_width(c) for c in col) for col in zip(headers, *rows)]
    lines = ["  ".join(c + " " * (w - texts.display_width(c)) for c, w in zip(line, widths)).rstrip()
             for line in (headers, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_number(x: object, unit: str) -> str:
    """A value as the CLI and the pages print it: 18次, 812.5小时, 93.6%; — when empty."""
    x = plain(x)
    if x is None:
        return texts.METRIC_NONE
    if unit == PERCENT:
        return f"{x * 100:.1f}%"
    text = f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)
    return text + unit


def format_percent(x: object) -> str:
    """A fraction as a percentage with one decimal; — when empty."""
    return format_number(x, PERCENT)


def format_indicator_table(df: pd.DataFrame, year: int | None = None, as_of: object = None) -> str:
    """A readable Chinese table of ``indicator_report``'s DataFrame (title line when ``year`` given)."""
    h = texts.METRIC_TABLE_HEADERS
    cols = ["name", "value", "target", "completion", "time_progress", "status", "summary", "previous"]
    rows = [[str(r["name"]), format_number(r["value"], r["unit"]), format_number(r["target"], r["unit"]),
             format_percent(r["completion"]), format_percent(r["time_progress"]), label(r["status"]),
             r["summary"] or texts.METRIC_NONE, format_number(r["previous"], r["unit"])]
            for r in df.to_dict("records")]
    table = _table([h[c] for c in cols], rows)
    if year is None:
        return table
    return texts.METRIC_TABLE_TITLE.format(year=year, as_of=texts.long_date(cutoff(year, as_of))) + "\n" + table


def format_compliance(result: Compliance) -> str:
    """A readable Chinese report: one line per rule (and 党小组) with each period's status, then
    what is missing and the advisories."""
    lines = [texts.COMPLIANCE_TITLE.format(year=result.year, as_of=texts.long_date(result.as_of))]
    grid = result.grid
    keys = list(dict.fromkeys(zip(grid["rule"], grid["group"].fillna(""))))
    for rule, group in keys:
        cells = grid.loc[(grid["rule"] == rule) & (grid["group"].fillna("") == group)]
        first = cells.iloc[0]
        statuses = texts.COMPLIANCE_CELL_SEP.join(texts.COMPLIANCE_CELL.format(label=lab, status=label(st))
                                                  for lab, st in zip(cells["label"], cells["status"]))
        lines.append(texts.COMPLIANCE_RULE_LINE.format(name=first["name"], article=first["article"],
                                                       group=f" {group}" if group else "", cells=statuses))
    lines.append("")
    lines.append(texts.COMPLIANCE_MISSING_TITLE)
    lines += [f"  {m}" for m in result.missing] or [f"  {texts.COMPLIANCE_ALL_MET}"]
    if result.notes:
        lines.append(texts.COMPLIANCE_NOTES_TITLE)
        lines += [f"  {n}" for n in result.notes]
    return "\n".join(lines)
