"""The year-end work summary's figures (年度党建工作总结): every number with the rows behind it,
the sections of sentences quoting them, the progress table and the compliance result.

``summarize(frames, year, as_of, branch=...)`` computes everything once: one ``Figure`` per
indicator of the catalogue, plus the 三会一课 meetings the catalogue does not count (组织生活会,
民主评议: built from ``metrics.compliance.RULES``). ``data.report_docx`` only renders a summary
(the generated Word draft, the user's draft filled in, the rows behind a figure as .xlsx); the page
shows the same sentences, and ``Summary.rows(key)`` is exactly what the appendix counts.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field

import pandas as pd

from data import texts
from data.schema import REGISTERS
from metrics.catalogue import CATALOGUE, COUNT, Indicator, describe, rows_for, value_in, windows
from metrics.compliance import RULES, Compliance, Rule, compliance
from metrics.frames import cutoff, prepare
from metrics.progress import progress_table, time_progress
from metrics.states import Mark

COMPLIANCE_SENTENCE = "compliance"
# Sections of the generated text: (texts.REPORT_SECTIONS key, sentence keys of texts.REPORT_SENTENCES).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("political", ("study",)),
    ("organization", ("meetings", "attendance", COMPLIANCE_SENTENCE)),
    ("service", ("enforcement", "quality", "research", "issues", "rectified")),
    ("people", ("volunteer",)),
    ("discipline", ("integrity",)),
)


def rule_indicators(rules: tuple[Rule, ...] = RULES,
                    catalogue: tuple[Indicator, ...] = CATALOGUE) -> tuple[Indicator, ...]:
    """Count indicators for the 三会一课 rules whose meetings the catalogue does not count
    (组织生活会, 民主评议), so that every meeting count in the summary has its rows."""
    counted = {i.filter["type"] for i in catalogue
               if i.register == "study" and i.agg == COUNT and set(i.filter) == {"type"}}
    return tuple(Indicator(f"study.{r.key}", texts.REPORT_RULE_INDICATOR.format(types="、".join(r.types)),
                           "study", COUNT, "次", {"type": r.types})
                 for r in rules if not r.speaker_position and r.types not in counted)


INDICATORS: tuple[Indicator, ...] = CATALOGUE + rule_indicators()
# Sentence fields name an indicator by the last part of its key: {collective} is study.collective.
_BY_FIELD = {ind.key.rsplit(".", 1)[1]: ind.key for ind in INDICATORS}
assert len(_BY_FIELD) == len(INDICATORS), "indicator keys must end differently"


def format_value(ind: Indicator, value: float | int | None) -> str:
    """A value as printed: integers without decimals, sums with at most one decimal, rates as a
    percentage with one decimal; 暂无数据 for None."""
    if value is None:
        return texts.REPORT_NO_DATA
    if ind.fraction:
        return f"{value * 100:.1f}%"
    if ind.integral:
        return str(int(value))
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True, eq=False)
class Figure:
    """One number of the summary and the register rows it is computed from."""

    indicator: Indicator
    value: float | int | None
    has_data: bool            # False: the register has no rows in the period, or a rate has nothing to divide
    rows: pd.DataFrame        # the contributing rows (original columns); for distinct counts, every row counted

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def name(self) -> str:
        return self.indicator.name

    @property
    def register(self) -> str:
        return self.indicator.register

    @property
    def text(self) -> str:
        """The number as written in the sentences (no unit), or 暂无数据."""
        return format_value(self.indicator, self.value if self.has_data else None)

    def format(self, value: float | int | None) -> str:
        """Another value of this figure's indicator (e.g. its target) as the sentences write it."""
        return format_value(self.indicator, value)

    @property
    def with_unit(self) -> str:
        if not self.has_data or self.indicator.fraction:
            return self.text
        return self.text + self.indicator.unit

    @property
    def description(self) -> str:
        """The 口径: register, filter and how the rows are counted."""
        return describe(self.indicator)


@dataclass(frozen=True)
class Sentence:
    text: str
    keys: tuple[str, ...]     # the figures whose numbers the text quotes, in order


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    sentences: tuple[Sentence, ...]


@dataclass(eq=False)
class Summary:
    year: int
    as_of: dt.date            # the last day counted
    branch: str
    figures: dict[str, Figure]
    sections: list[Section]
    progress: pd.DataFrame    # metrics.progress.progress_table
    compliance: Compliance
    time_progress: float
    period_rows: dict[str, int] = field(default_factory=dict)  # register -> rows in the period

    def figure(self, key: str) -> Figure:
        return self.figures[key]

    def rows(self, key: str) -> pd.DataFrame:
        """The register rows behind a figure: the same rows the appendix counts."""
        return self.figures[key].rows

    def compliance_rows(self) -> list[dict]:
        """The 三会一课 table: one dict per rule (and 党小组), grid order: name, article, group ("" for
        the branch), met, missed, not_due (how many periods are in each state), messages."""
        grid = self.compliance.grid
        rows = []
        for (rule, group), cells in grid.groupby([grid["rule"], grid["group"].fillna("")], sort=False):
            status = cells["status"]
            first = cells.iloc[0]
            rows.append({"name": first["name"], "article": first["article"], "group": group,
                         "met": int((status == Mark.MET).sum()), "missed": int((status == Mark.MISSED).sum()),
                         "not_due": int((status == Mark.NOT_DUE).sum()),
                         "messages": [m for m in cells["message"] if isinstance(m, str)]})
        return rows

    def context_values(self) -> dict[str, str]:
        """The values of the placeholders that are not figures (``texts.REPORT_CONTEXT``)."""
        return {"year": str(self.year), "as_of": texts.long_date(self.as_of), "branch": self.branch,
                "time_progress": f"{self.time_progress * 100:.1f}%"}

    def placeholders(self) -> pd.DataFrame:
        """Every placeholder a draft may use: name, key, value (as filled: the number without its
        unit, so a draft reads 集中学习{{集中学习次数}}次), description."""
        rows = [{"name": "{{" + name + "}}", "key": "{{" + key + "}}", "value": self.context_values()[key],
                 "description": what} for key, (name, what) in texts.REPORT_CONTEXT.items()]
        rows += [{"name": "{{" + f.name + "}}", "key": "{{" + f.key + "}}", "value": f.text,
                  "description": f.description} for f in self.figures.values()]
        return pd.DataFrame(rows, columns=["name", "key", "value", "description"])


def summarize(frames: dict, year: int, as_of: object = None, *, branch: str, local_rules=()) -> Summary:
    """The summary of ``year`` up to ``as_of`` (None: the whole year) for the branch named ``branch``.
    ``local_rules``: ``Settings.local_rules`` (a malformed one raises ``data.errors.SettingsError``)."""
    frames = prepare(frames)
    last = cutoff(year, as_of)
    wins = windows(frames, year, last, INDICATORS)
    figures = {}
    for ind in INDICATORS:
        val = value_in(ind, wins[ind.register])
        figures[ind.key] = Figure(ind, val, len(wins[ind.register]) > 0 and val is not None,
                                  rows_for(ind, frames, year, last))
    result = compliance(frames, year, last, local=local_rules)
    summary = Summary(year, last, branch, figures, [], progress_table(frames, year, last), result,
                      time_progress(year, last), {reg: len(win) for reg, win in wins.items()})
    summary.sections = [Section(key, texts.REPORT_SECTIONS[key], tuple(_sentence(summary, s) for s in keys))
                        for key, keys in SECTIONS]
    return summary


def _sentence(summary: Summary, key: str) -> Sentence:
    as_of = texts.long_date(summary.as_of)
    if key == COMPLIANCE_SENTENCE:
        if not summary.period_rows.get("study"):
            return Sentence(texts.REPORT_COMPLIANCE_EMPTY.format(year=summary.year), ())
        template = texts.REPORT_COMPLIANCE_GAPS if summary.compliance.missing else texts.REPORT_COMPLIANCE_OK
        return Sentence(template.format(as_of=as_of), ())
    template = texts.REPORT_SENTENCES[key]
    keys = tuple(_BY_FIELD[f] for _, f, _, _ in string.Formatter().parse(template) if f)
    figures = [summary.figures[k] for k in keys]
    lacking = [f for f in figures if not f.has_data]
    if lacking:
        return Sentence(texts.REPORT_NO_DATA_SENTENCE.format(
            names="、".join(f.name for f in lacking), register=REGISTERS[lacking[0].register].name,
            year=summary.year, as_of=as_of), ())
    return Sentence(template.format(**{f.key.rsplit(".", 1)[1]: f.text for f in figures}), keys)
