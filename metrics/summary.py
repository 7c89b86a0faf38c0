"""The year-end work summary's figures (年度党建工作总结): every number with the rows behind it,
the sections of sentences quoting them, the progress table and the compliance result.

``summarize(frames, year, as_of, branch=..., catalogue=...)`` computes everything once: one ``Figure``
per indicator of the catalogue (the built-in one, or any catalogue that adds the branch's own
indicators), plus the 三会一课 meetings the catalogue does not count (组织生活会, 民主评议: built from
``metrics.compliance.RULES``). The sentences follow the seed summary's five sections
(``texts.REPORT_OUTLINE``): each {key} field is the indicator of that key (or of the name
``texts.REPORT_PENDING`` gives it) written with its unit and 同比 when last year has data; an item
whose indicator is not defined, whose register has no rows in the period, or none of whose rows the
indicator counts (only a 三会一课 rule's meeting count is a fact at 0) is written 【待补充：名称】
(never 0), and a sentence none of whose numbers has rows is written as its marks alone (no claim
without a row); a 三会一课 meeting whose only period is not yet due is worded as such.
Indicators the outline does not name (the branch's own) are listed in their register's section.
``data.report_docx`` only renders a summary (the generated Word draft, the user's draft filled in,
the rows behind a figure as .xlsx); the page shows the same sentences, and ``Summary.rows(key)`` is
exactly what the appendix counts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from data import texts
from data.schema import REGISTERS
from metrics.catalogue import CATALOGUE, COUNT, Indicator, describe, resolve, rows_for, value_in, windows
from metrics.compliance import RULES, Compliance, Rule, compliance, local_rules as local_rules_of
from metrics.frames import cutoff, prepare
from metrics.progress import _previous_as_of, progress_table, time_progress
from metrics.states import Mark
from metrics.study_hours import DEFAULT_MINIMUM, StudyHours, study_hours

COMPLIANCE_SENTENCE = "compliance"
STUDY_HOURS_SENTENCE = "study_hours"  # 学时 per member: ``Summary.study_hours.sentence()`` when the summary has it
FIELD = re.compile(r"\{([A-Za-z0-9_.]+)\}")
# The section where an indicator the outline does not name is listed, by register.
REGISTER_SECTION = {"study": "political", "membership": "organization", "inspections": "service",
                    "work": "service", "volunteer": "people"}


def rule_indicators(rules: tuple[Rule, ...] = RULES,
                    catalogue: tuple[Indicator, ...] = CATALOGUE) -> tuple[Indicator, ...]:
    """Count indicators for the 三会一课 rules whose meetings the catalogue does not count
    (组织生活会, 民主评议), so that every meeting count in the summary has its rows."""
    counted = {i.filter["type"] for i in catalogue
               if i.register == "study" and i.agg == COUNT and set(i.filter) == {"type"}}
    return tuple(Indicator(f"study.{r.key}", texts.REPORT_RULE_INDICATOR.format(types="、".join(r.types)),
                           "study", COUNT, "次", {"type": r.types})
                 for r in rules if not r.speaker_position and r.types not in counted)


RULE_INDICATORS: tuple[Indicator, ...] = rule_indicators()
INDICATORS: tuple[Indicator, ...] = CATALOGUE + RULE_INDICATORS
RULE_OF = {f"study.{r.key}": r for r in RULES}


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
    has_data: bool            # False: the register has no rows in the period, no row is counted (a 三会一课
    #                           rule's count excepted: 0 is a fact), or a rate has nothing to divide
    rows: pd.DataFrame        # the contributing rows (original columns); for distinct counts, every row counted
    previous: float | int | None = None  # the same period last year; None when last year's register is empty
    not_due: bool = False     # a 三会一课 count that is 0 while every period of its rule is not yet due

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
    pending: tuple[str, ...] = ()  # the outline keys written as 【待补充：…】


@dataclass(frozen=True)
class Pending:
    """An item of the outline without a number: its key, name and what would fill it."""

    key: str
    name: str
    need: str


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
    pending: dict[str, Pending] = field(default_factory=dict)  # outline key -> the item without a number
    # 学时 per member (metrics.study_hours): .sentence() for the text, .has_data, .below_expected...
    study_hours: StudyHours | None = None

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


def summarize(frames: dict, year: int, as_of: object = None, *, branch: str, local_rules=(),
              catalogue: tuple[Indicator, ...] = CATALOGUE, study_hours_min: object = DEFAULT_MINIMUM) -> Summary:
    """The summary of ``year`` up to ``as_of`` (None: the whole year) for the branch named ``branch``.
    ``local_rules``: ``Settings.local_rules`` (a malformed one raises ``data.errors.SettingsError``).
    ``catalogue``: the full catalogue (``metrics.catalogue.catalogue_with``: the branch's own
    indicators are figures too, with their rows and placeholders). ``study_hours_min``: the
    settings' 学时 a year (a bad one raises ``SettingsError``)."""
    frames = prepare(frames)
    last = cutoff(year, as_of)
    keys = {i.key for i in catalogue}
    indicators = (*catalogue, *(i for i in RULE_INDICATORS if i.key not in keys))
    wins = windows(frames, year, last, indicators)
    previous = windows(frames, year - 1, _previous_as_of(year, last), indicators)
    last_year = windows(frames, year - 1, None, indicators)
    result = compliance(frames, year, last, local=local_rules)
    ruled = {t for r in (*RULES, *local_rules_of(local_rules)) for t in r.types}
    figures = {}
    for ind in indicators:
        val = value_in(ind, wins[ind.register])
        prev = value_in(ind, previous[ind.register]) if len(last_year[ind.register]) else None
        rows = rows_for(ind, frames, year, last)
        # A count of nothing is a fact only for a 三会一课 rule's meetings (讲党课0次: the rule was
        # missed); any other item without a row behind it is 待补充, never 0.
        counted = len(rows) > 0 or (ind.agg == COUNT and _is_rule_count(ind, ruled))
        figures[ind.key] = Figure(ind, val, len(wins[ind.register]) > 0 and val is not None and counted,
                                  rows, prev, val == 0 and _not_due(result, ind.key))
    summary = Summary(year, last, branch, figures, [], progress_table(frames, year, last, tuple(catalogue)), result,
                      time_progress(year, last), {reg: len(win) for reg, win in wins.items()})
    summary.study_hours = study_hours(frames, year, last, study_hours_min)  # before the outline quotes it
    named: set[str] = set()
    sections = []
    for key, sentences in texts.REPORT_OUTLINE.items():
        built = [_sentence(summary, s, indicators, named) for s in sentences]
        sections.append([key, built])
    extra: dict[str, list[Figure]] = {}
    for ind in catalogue:
        if ind.key not in named:
            extra.setdefault(REGISTER_SECTION.get(ind.register, "service"), []).append(figures[ind.key])
    for section in sections:
        figs = [f for f in extra.get(section[0], ()) if f.has_data]
        if figs:
            items = "，".join(texts.REPORT_EXTRA_ITEM.format(name=f.name, value=_written(summary, f)) for f in figs)
            section[1].append(Sentence(texts.REPORT_EXTRA.format(items=items), tuple(f.key for f in figs)))
    summary.sections = [Section(key, texts.REPORT_SECTIONS[key], tuple(built)) for key, built in sections]
    return summary


def _is_rule_count(ind: Indicator, ruled: set[str]) -> bool:
    """True when ``ind`` counts 学习教育 rows of types a 三会一课 rule (built-in or local) requires."""
    types = ind.filter.get("type", ())
    return ind.register == "study" and set(ind.filter) == {"type"} and bool(types) and set(types) <= ruled


def _not_due(result: Compliance, key: str) -> bool:
    """True when ``key`` counts a 三会一课 rule's meetings and every period of the rule is not yet due."""
    rule = RULE_OF.get(key)
    if rule is None:
        return False
    status = result.grid.loc[result.grid["rule"] == rule.key, "status"]
    return len(status) > 0 and bool((status == Mark.NOT_DUE).all())


def _yoy(fig: Figure) -> str:
    """The 同比 words of a count or sum: （同比增加3次）, （同比持平）, （同比减少1次）; "" without last year."""
    if fig.previous is None or fig.indicator.fraction or not fig.has_data:
        return ""
    diff = fig.value - fig.previous
    if abs(diff) < 1e-9:
        return texts.REPORT_YOY_SAME
    template = texts.REPORT_YOY_UP if diff > 0 else texts.REPORT_YOY_DOWN
    return template.format(diff=fig.format(abs(diff)) + fig.indicator.unit)


def _written(summary: Summary, fig: Figure) -> str:
    """A figure as a sentence writes it: 12次（同比增加3次）, 92.0%, or the not-due words."""
    if fig.not_due:
        rule = RULE_OF[fig.key]
        return texts.REPORT_NOT_DUE.format(every=texts.REPORT_EVERY[rule.every.value], min=rule.min,
                                           as_of=texts.long_date(summary.as_of))
    return fig.with_unit + _yoy(fig)


def _find(key: str, indicators: tuple[Indicator, ...]) -> Indicator | None:
    """The indicator an outline field names: by key, else by the name ``texts.REPORT_PENDING`` gives it."""
    found = resolve(key, indicators)
    if found is None and key in texts.REPORT_PENDING:
        found = resolve(texts.REPORT_PENDING[key][0], indicators)
    return found


def _sentence(summary: Summary, template: str, indicators: tuple[Indicator, ...], named: set[str]) -> Sentence:
    as_of = texts.long_date(summary.as_of)
    if template == STUDY_HOURS_SENTENCE:
        hours = getattr(summary, "study_hours", None)
        return Sentence("" if hours is None else hours.sentence(), ())
    if template == COMPLIANCE_SENTENCE:
        if not summary.period_rows.get("study"):
            return Sentence(texts.REPORT_COMPLIANCE_EMPTY.format(year=summary.year), ())
        words = texts.REPORT_COMPLIANCE_GAPS if summary.compliance.missing else texts.REPORT_COMPLIANCE_OK
        return Sentence(words.format(as_of=as_of), ())
    keys: list[str] = []
    pending: list[str] = []

    def fill(match: re.Match) -> str:
        key = match.group(1)
        ind = _find(key, indicators)
        if ind is not None:
            named.add(ind.key)
            fig = summary.figures[ind.key]
            if fig.has_data or fig.not_due:
                keys.append(ind.key)
                return _written(summary, fig)
            register = REGISTERS[ind.register].name
            if summary.period_rows.get(ind.register):  # the register has rows, none of them counted
                need = texts.REPORT_PENDING_NO_MATCH.format(
                    register=register, year=summary.year, as_of=as_of,
                    description=describe(ind).removesuffix(texts.METRIC_DESCRIBE_PERIOD))
            else:
                need = texts.REPORT_PENDING_EMPTY.format(register=register, year=summary.year, as_of=as_of)
            item = Pending(key, ind.name, need)
        else:
            name, need = texts.REPORT_PENDING.get(key, (key, key))
            item = Pending(key, name, need)
        summary.pending[key] = item
        pending.append(key)
        return texts.REPORT_PENDING_MARK.format(name=item.name)

    text = FIELD.sub(fill, template)
    if pending and not keys:  # nothing to say: no sentence claiming what no row shows, only the marks
        text = texts.REPORT_PENDING_SENTENCE.format(
            marks="".join(texts.REPORT_PENDING_MARK.format(name=summary.pending[k].name) for k in pending))
    return Sentence(text, tuple(keys), tuple(pending))
