"""Figure builders for the pages: pure functions, DataFrame in, plotly Figure out (no Streamlit).

Every chart has a Chinese title with its unit, a white background and dark text so it prints,
and the plan line where a target exists. Status colours: DONE green, ON_TRACK blue, BEHIND red.
Each builder is independent; text that came from the registers (names, objects, 党小组) is
escaped before it goes into hover text.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from data import texts
from data.schema import RECTIFY_STATES
from metrics.catalogue import PERCENT
from metrics.report import format_number, format_percent
from metrics.states import Mark, Status

GREEN, BLUE, RED, GREY, LIGHT = "#2e7d32", "#1565c0", "#c62828", "#757575", "#e0e0e0"
ORANGE, AMBER, BLUE_GREY = "#ef6c00", "#ef8f00", "#b0bec5"
STATUS_COLORS = {Status.DONE: GREEN, Status.ON_TRACK: BLUE, Status.SLIGHTLY_BEHIND: AMBER, Status.BEHIND: RED,
                 Status.NO_DATA: GREY}
# st.badge colour names for the same statuses.
STATUS_BADGES = {Status.DONE: "green", Status.ON_TRACK: "blue", Status.SLIGHTLY_BEHIND: "orange", Status.BEHIND: "red",
                 Status.NO_DATA: "gray"}
COMPLIANCE_COLORS = {Mark.MET: GREEN, Mark.MISSED: RED, Mark.NOT_DUE: LIGHT, Mark.NOT_UPLOADED: BLUE_GREY}
# 整改状态 in schema order: 已整改, 整改中, 未整改, 无需整改.
RECTIFY_COLORS = dict(zip(RECTIFY_STATES, (GREEN, ORANGE, RED, GREY)))
# Categories (types, 服务类别, 整改状态) in a palette that stays distinct in grey print.
PALETTE = ("#1565c0", "#ef6c00", "#2e7d32", "#c62828", "#6a1b9a", "#00838f", "#8d6e63", "#ad1457",
           "#9e9d24", "#546e7a", "#f9a825", "#283593", "#757575")
SERIES_STYLE = {"value": dict(color=BLUE, width=3), "plan": dict(color=ORANGE, width=2, dash="dash"),
                "previous": dict(color="#9e9e9e", width=2, dash="dot")}



# One formatting for CLI, pages and charts.
number, percent = format_number, format_percent


def _layout(fig: go.Figure, title: str, *, height: int = 380, legend: str | None = "bottom") -> go.Figure:
    """White, print-friendly layout; ``legend``: "bottom" (one line under the chart), "right"
    (a column, for many categories) or None."""
    # "bottom" is placed from the figure's bottom edge (not the plot's): placed under the plot, it lay over
    # the rotated month ticks and the axis title on a phone.
    place = {"bottom": dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0),
             "right": dict(orientation="v", yanchor="top", y=1, xanchor="left", x=1.02)}
    fig.update_layout(
        template="plotly_white", height=height, title=dict(text=title, x=0, xanchor="left", font=dict(size=17)),
        font=dict(size=13, color="#212121"), margin=dict(l=10, r=10, t=60, b=10), showlegend=legend is not None,
        legend=dict(**place.get(legend, {}), title_text=""), hoverlabel=dict(font_size=13),
        uniformtext=dict(minsize=10, mode="hide"))
    return fig


def _escape(value: object) -> str:
    return html.escape(str(value))


# How far right of a bar's end its label reaches, in percentage points of the axis (a label such as
# "100.0%" on a phone-wide chart, whose axis runs to 122%): a 序时 marker in that stretch would be
# drawn over the label.
LABEL_SPAN = 25.0


def label_positions(completion: list[float], markers: list[float]) -> list[str]:
    """Each bar's label outside its end, unless the bar's 序时 (or 100%) marker stands where the label
    would be and the bar is long enough to hold it: then inside (plotly picks a contrasting colour)."""
    return ["inside" if 0 <= m - c <= LABEL_SPAN and c >= LABEL_SPAN else "outside"
            for c, m in zip(completion, markers)]


def completion_chart(table: pd.DataFrame) -> go.Figure:
    """Completion of every targeted indicator (bars in the status colour) against 序时进度.

    ``table``: rows of ``metrics.progress.progress_table`` with a target (name, unit, completion,
    time_progress, status). Counts and sums are compared with 序时进度; rates with their target
    (100%), marked separately.
    """
    rows = table.loc[table["completion"].notna()]
    names = rows["name"].tolist()
    completion = [c * 100 for c in rows["completion"]]
    rate = rows["unit"] == PERCENT
    markers = (rows["time_progress"] * 100).where(~rate, 100.0)  # 序时进度; a rate's target, 100%
    fig = go.Figure(go.Bar(
        y=names, x=completion, orientation="h", name=texts.CHART_COMPLETION, showlegend=False,
        customdata=rows["key"].tolist() if "key" in rows else None,
        marker_color=[STATUS_COLORS.get(s, GREY) for s in rows["status"]],
        text=[f"{c:.1f}%" for c in completion], textposition=label_positions(completion, markers.tolist()),
        cliponaxis=False, hovertemplate="%{y}<br>" + texts.CHART_COMPLETION + " %{x:.1f}%<extra></extra>"))
    for mask, name in ((~rate, texts.CHART_TIME_PROGRESS), (rate, texts.CHART_RATE_TARGET)):
        if mask.any():
            fig.add_trace(go.Scatter(
                y=rows.loc[mask, "name"], x=markers[mask], mode="markers", name=name,
                marker=dict(symbol="line-ns-open", size=26, color="#212121", line=dict(width=4)),
                hovertemplate="%{y}<br>" + name + " %{x:.1f}%<extra></extra>"))
    # Room right of the longest bar for its label, so nothing is clipped on a narrow screen. No axis title
    # (the chart's title and the ticks say %): on a phone it lay over the legend below the axis.
    fig.update_xaxes(ticksuffix="%", range=[0, max([100.0, *completion]) * 1.22])
    fig.update_yaxes(autorange="reversed", automargin=True)
    return _layout(fig, texts.CHART_COMPLETION_TITLE, height=max(260, 24 * len(rows) + 120))


def stacked_monthly(df: pd.DataFrame, title: str, colors: dict[str, str] | None = None) -> go.Figure:
    """Stacked bars per month, one colour per group (``metrics.breakdowns.monthly``); ``colors``
    fixes some groups' colours (others take the palette)."""
    fig = go.Figure()
    colors = colors or {}
    groups = list(dict.fromkeys(df["group"].tolist()))
    labels = list(dict.fromkeys(df["label"].tolist()))
    for i, group in enumerate(groups):
        part = df.loc[df["group"].isna()] if group is None else df.loc[df["group"] == group]
        name = "" if group is None else str(group)
        fig.add_trace(go.Bar(x=part["label"], y=part["value"], name=name,
                             marker_color=colors.get(name, PALETTE[i % len(PALETTE)]),
                             hovertemplate=f"%{{x}} {_escape(name)}：%{{y}}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(categoryorder="array", categoryarray=labels)
    # The legend under the chart (wraps): beside it, it took half the width of a phone.
    return _layout(fig, title, legend="bottom" if groups != [None] else None)


def cumulative_chart(series: pd.DataFrame, title: str, columns: int = 3, *, narrow: bool = False) -> go.Figure:
    """One small chart per indicator: the cumulative value, the plan line (where a target exists)
    and last year's same period (``metrics.progress.series`` rows of the indicators to show).
    ``narrow`` (a phone): two to a row, lower, so the small charts' titles do not overlap."""
    keys = list(dict.fromkeys(series["key"].tolist()))
    cols = max(1, min(2 if narrow else columns, len(keys)))
    nrows = max(1, math.ceil(len(keys) / cols))
    heads = []
    for key in keys:
        first = series.loc[series["key"] == key].iloc[0]
        heads.append(texts.CHART_FACET.format(name=first["name"], unit=first["unit"]))
    height = (230 if narrow else 300) * nrows + 80
    # About 75 px between rows of small charts (room for the ticks and the next titles), however many rows.
    fig = make_subplots(rows=nrows, cols=cols, subplot_titles=heads, horizontal_spacing=0.07,
                        vertical_spacing=min(0.22, 75 / height) if nrows > 1 else 0.1)
    labels = texts.METRIC_SERIES_LABELS
    shown: set[str] = set()
    for i, key in enumerate(keys):
        part = series.loc[series["key"] == key]
        scale = 100 if part["unit"].iloc[0] == PERCENT else 1
        for column in ("value", "plan", "previous"):
            y = part[column] * scale
            if y.isna().all():
                continue
            fig.add_trace(go.Scatter(
                x=part["period"], y=y, mode="lines+markers" if column == "value" else "lines",
                customdata=part["label"],
                name=labels[column], legendgroup=column, showlegend=column not in shown,
                line=SERIES_STYLE[column], marker=dict(size=5),
                hovertemplate=f"%{{customdata}} {labels[column]}：%{{y:.4~g}}<extra></extra>"),
                row=i // cols + 1, col=i % cols + 1)
            shown.add(column)
    ticks = [1, 3, 6, 9, 12] if len(series) and series["period"].max() == 12 else [1, 2, 3, 4]
    period_labels = dict(zip(series["period"], series["label"]))
    fig.update_xaxes(tickmode="array", tickvals=ticks, ticktext=[period_labels.get(t, "") for t in ticks])
    fig.update_yaxes(rangemode="tozero")
    fig.update_annotations(font_size=14)
    return _layout(fig, title, height=height)


def monthly_rate_chart(df: pd.DataFrame, title: str, target: float | None = None) -> go.Figure:
    """A rate month by month (``metrics.breakdowns.monthly_indicator``), in %, with the target line."""
    values = df["value"] * 100
    fig = go.Figure(go.Bar(x=df["label"], y=values, name=texts.CHART_MONTH_VALUE, marker_color=BLUE,
                           text=[f"{v:.1f}%" if not math.isnan(v) else "" for v in values],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{x}：%{y:.1f}%<extra></extra>"))
    if target is not None:
        fig.add_trace(go.Scatter(x=df["label"], y=[target * 100] * len(df), mode="lines", name=texts.CHART_TARGET,
                                 line=SERIES_STYLE["plan"],
                                 hovertemplate=texts.CHART_TARGET + " %{y:.1f}%<extra></extra>"))
    fig.update_yaxes(title_text=texts.CHART_PERCENT_AXIS, range=[0, 112], ticksuffix="%")
    return _layout(fig, title, legend="bottom" if target is not None else None)


def top_chart(df: pd.DataFrame, title: str, column: str = "rows") -> go.Figure:
    """Horizontal bars, largest on top (``metrics.breakdowns.top_values``; ``column``: rows or total)."""
    values = df[column].tolist()
    fig = go.Figure(go.Bar(
        y=[_escape(v) for v in df["value"]], x=values, orientation="h", marker_color=BLUE,
        text=[number(float(v), "") for v in values], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}：%{x}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    # Room right of the longest bar for its label, so nothing is clipped on a narrow screen.
    fig.update_xaxes(range=[0, max(max(values, default=0), 1) * 1.18], tickformat="~g")
    if column == "rows":  # whole visits: whole-number ticks
        fig.update_xaxes(dtick=max(1, math.ceil(max(values, default=1) / 6)))
    return _layout(fig, title, height=max(260, 30 * len(df) + 120), legend=None)


def compliance_heatmap(cells: pd.DataFrame, title: str) -> go.Figure:
    """Rule × month heatmap of the compliance grid (``metrics.breakdowns.compliance_cells``): each
    cell in its status colour, the period's count written in its first month."""
    statuses = list(COMPLIANCE_COLORS)
    code = {s: i for i, s in enumerate(statuses)}
    rows = list(dict.fromkeys(cells["row"].tolist()))
    months = list(range(1, 13))
    z = [[None] * 12 for _ in rows]
    text = [[""] * 12 for _ in rows]
    hover = [[""] * 12 for _ in rows]
    first_month: dict[tuple, int] = {}
    for cell in cells.to_dict("records"):
        r, m = rows.index(cell["row"]), cell["month"] - 1
        z[r][m] = code[cell["status"]]
        period = (cell["row"], cell["label"])
        if period not in first_month:
            first_month[period] = m
            # A period not yet due with nothing held yet: blank, not a "0" that reads as a gap.
            blank = cell["status"] == Mark.NOT_DUE and not cell["count"]
            text[r][m] = "" if blank else str(cell["count"])
        hover[r][m] = texts.CHART_HEATMAP_HOVER.format(row=_escape(cell["row"]), label=cell["label"],
                                                      count=cell["count"], min=cell["min"], status=cell["status"].label)
    n = len(statuses)
    scale = []
    for i, s in enumerate(statuses):
        scale += [[i / n, COMPLIANCE_COLORS[s]], [(i + 1) / n, COMPLIANCE_COLORS[s]]]
    x = [texts.METRIC_MONTH.format(month=m) for m in months]
    y = [_escape(r) for r in rows]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, text=text, texttemplate="%{text}", textfont=dict(size=13),
        customdata=hover, hovertemplate="%{customdata}<extra></extra>", colorscale=scale,
        zmin=-0.5, zmax=n - 0.5, showscale=False, xgap=2, ygap=2))
    for s in statuses:  # legend entries for the status colours
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=s.label,
                                 marker=dict(symbol="square", size=14, color=COMPLIANCE_COLORS[s])))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top")
    return _layout(fig, title, height=max(260, 34 * len(rows) + 150))
