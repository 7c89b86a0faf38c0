"""The year-end work summary (年度党建工作总结) rendered: the generated Word draft, the user's own
Word draft with its placeholders filled in, and the rows behind a figure as .xlsx.

The figures are computed by ``metrics.summary.summarize``; this module only renders the summary it
is given (its plain fields: year, as_of, branch, figures, sections, progress, compliance_rows(),
context_values(); it never imports ``metrics``). ``build_docx`` writes it in the conventions of a
Chinese official document.

``fill_template(draft, summary)`` renders a .docx typed in Word with placeholders such as
``{{集中学习次数}}`` or ``{{study.collective}}`` (every figure's name and key, and the names in
``texts.REPORT_CONTEXT``) through docxtpl, which joins a placeholder that Word split over several
runs and keeps the draft's formatting, in the body, tables, headers and footers. Jinja2 accepts CJK
identifiers, so a Chinese name is a plain variable; a key is an attribute of a namespace
(``study``). The draft runs in Jinja's sandbox. An unknown placeholder is left visible in the output
as 【未知占位符：名称】 and listed; a known one without data as 【暂无数据：名称】.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docxtpl import DocxTemplate
from jinja2 import TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from data import sandbox, texts
from data.errors import DataError, RejectedFile
from data.export import to_xlsx
from data.safety import check_docx_bytes
from data.schema import REGISTERS

# Fonts of a Chinese official document (GB/T 9704): the East Asian font of each run.
TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体", "仿宋"
LATIN_FONT = "Times New Roman"
TITLE_PT, BODY_PT, TABLE_PT, LINE_PT = 22, 16, 11, 28  # 二号, 三号, 五号; fixed line height
# A4, margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm).
PAGE = {"page_width": Cm(21), "page_height": Cm(29.7), "top_margin": Cm(3.7), "bottom_margin": Cm(3.5),
        "left_margin": Cm(2.8), "right_margin": Cm(2.6)}


def _percent(x: object) -> str:
    return texts.METRIC_NONE if x is None or pd.isna(x) else f"{float(x) * 100:.1f}%"


def rows_xlsx(summary, key: str, exported_at: dt.datetime | None = None) -> bytes:
    """The rows behind a figure of ``summary`` (a ``metrics.summary.Summary``) as an .xlsx, its 口径
    and period on the 口径说明 sheet."""
    fig = summary.figures[key]
    filters = {texts.SUMMARY_ROWS_FILTER_NAME: texts.REPORT_FIGURE.format(name=fig.name, value=fig.with_unit),
               texts.SUMMARY_ROWS_FILTER_RULE: fig.description,
               texts.SUMMARY_ROWS_FILTER_PERIOD: texts.SUMMARY_PERIOD.format(year=summary.year,
                                                                             as_of=texts.long_date(summary.as_of))}
    return to_xlsx(fig.rows, fig.register, filters=filters, exported_at=exported_at)


# --- the generated Word draft --------------------------------------------------------------------


def _font(run, east_asian: str, size: float, bold: bool = False) -> None:
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _paragraph(container, text: str, font: str = BODY_FONT, size: float = BODY_PT, *, bold: bool = False,
               center: bool = False, indent: bool = True):
    p = container.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        p.paragraph_format.first_line_indent = Pt(2 * size)  # two characters
    if text:
        _font(p.add_run(text), font, size, bold)
    return p


def _table(doc, headers: tuple[str, ...] | list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header_row = table.rows[0]
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeat on every page
    for cells, values, font in ((header_row.cells, headers, HEADING_FONT),
                                *((table.add_row().cells, r, BODY_FONT) for r in rows)):
        for cell, value in zip(cells, values):
            p = cell.paragraphs[0]
            p.paragraph_format.line_spacing = 1.0
            _font(p.add_run(str(value)), font, TABLE_PT)


def _page_number(section) -> None:
    """Centered page number in the footer: — 1 —."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), LATIN_FONT, 14)
    field_ = OxmlElement("w:fldSimple")
    field_.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field_.append(run)
    p._p.append(field_)
    _font(p.add_run(" —"), LATIN_FONT, 14)


def _setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    for name, length in PAGE.items():
        setattr(section, name, length)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    _page_number(section)


def _progress_rows(summary) -> list[list[str]]:
    rows = []
    for r in summary.progress.to_dict("records"):
        if r["target"] is None or pd.isna(r["target"]):
            continue
        fig = summary.figures[r["key"]]
        ind = fig.indicator
        unit = "" if ind.fraction else ind.unit
        rows.append([r["name"], fig.with_unit, fig.format(r["target"]) + unit,
                     _percent(None if ind.fraction else r["completion"]), _percent(r["time_progress"]),
                     r["status"].label if r["status"] else texts.METRIC_NONE, r["summary"] or texts.METRIC_NONE])
    return rows


def _compliance_rows(summary) -> list[list[str]]:
    return [[r["name"], r["article"], r["group"] or texts.REPORT_ALL_GROUPS, str(r["met"]), str(r["missed"]),
             str(r["not_due"]), "；".join(r["messages"]) or texts.METRIC_NONE] for r in summary.compliance_rows()]


def source_rows(summary) -> list[list[str]]:
    """The appendix 数据来源: per figure, its number, register, 口径 and row count."""
    return [[str(i), texts.REPORT_FIGURE.format(name=f.name, value=f.with_unit), REGISTERS[f.register].name,
             f.description, str(len(f.rows))] for i, f in enumerate(summary.figures.values(), 1)]


def build_docx(summary) -> bytes:
    """The generated draft of ``summary`` (a ``metrics.summary.Summary``) as .docx bytes: title,
    一、(一) sections of sentences, the targets table, the 三会一课 table and the appendix 数据来源."""
    doc = Document()
    _setup(doc)
    as_of = texts.long_date(summary.as_of)
    _paragraph(doc, texts.REPORT_TITLE.format(branch=summary.branch, year=summary.year), TITLE_FONT, TITLE_PT,
               center=True)
    _paragraph(doc, texts.REPORT_SUBTITLE.format(as_of=as_of), SUBHEADING_FONT, center=True)
    _paragraph(doc, "", indent=False)
    _paragraph(doc, texts.REPORT_INTRO.format(branch=summary.branch, year=summary.year, as_of=as_of))

    _paragraph(doc, texts.REPORT_PART_WORK.format(year=summary.year), HEADING_FONT)
    for numeral, section in zip(texts.REPORT_NUMERALS, summary.sections):
        _paragraph(doc, texts.REPORT_SUBHEADING.format(numeral=numeral, title=section.title), SUBHEADING_FONT)
        _paragraph(doc, "".join(s.text for s in section.sentences))

    _paragraph(doc, texts.REPORT_PART_TARGETS, HEADING_FONT)
    rows = _progress_rows(summary)
    if rows:
        _paragraph(doc, texts.REPORT_PROGRESS_LINE.format(as_of=as_of, progress=_percent(summary.time_progress)))
        title = texts.METRIC_TABLE_TITLE.format(year=summary.year, as_of=as_of)
        _paragraph(doc, texts.REPORT_TABLE_TARGETS.format(title=title), HEADING_FONT, 14, center=True)
        h = texts.METRIC_TABLE_HEADERS
        _table(doc, [h[c] for c in ("name", "value", "target", "completion", "time_progress", "status", "summary")],
               rows)
    else:
        _paragraph(doc, texts.REPORT_NO_TARGETS.format(year=summary.year))

    _paragraph(doc, texts.REPORT_PART_COMPLIANCE, HEADING_FONT)
    if summary.period_rows.get("study"):
        title = texts.COMPLIANCE_TITLE.format(year=summary.year, as_of=as_of)
        _paragraph(doc, texts.REPORT_TABLE_COMPLIANCE.format(title=title), HEADING_FONT, 14, center=True)
        _table(doc, texts.REPORT_COMPLIANCE_HEADERS, _compliance_rows(summary))
        if summary.compliance.notes:
            _paragraph(doc, texts.REPORT_NOTES)
            for note in summary.compliance.notes:
                _paragraph(doc, note)
    else:
        _paragraph(doc, texts.REPORT_COMPLIANCE_EMPTY.format(year=summary.year))

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _paragraph(doc, texts.REPORT_PART_SOURCES, HEADING_FONT, indent=False)
    _paragraph(doc, texts.REPORT_SOURCES_INTRO.format(year=summary.year, as_of=as_of))
    _table(doc, texts.REPORT_SOURCES_HEADERS, source_rows(summary))

    doc.core_properties.title = texts.REPORT_TITLE.format(branch=summary.branch, year=summary.year)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- the user's draft, filled in --------------------------------------------------------------


@dataclass(frozen=True)
class Filled:
    data: bytes = field(repr=False)  # the filled .docx
    unknown: tuple[str, ...] = ()    # placeholders not known, as typed, in order of first use
    no_data: tuple[str, ...] = ()    # known placeholders filled with 【暂无数据：…】


sandbox.allow_result(Filled)


class _Recorder:
    def __init__(self) -> None:
        self.unknown: dict[str, None] = {}
        self.no_data: dict[str, None] = {}


class _NoData:
    """A known placeholder whose figure has no data: renders as a visible mark and is recorded."""

    def __init__(self, name: str, recorder: _Recorder):
        self._name, self._recorder = name, recorder

    def __str__(self) -> str:
        self._recorder.no_data[self._name] = None
        return texts.REPORT_NO_DATA_MARK.format(name=self._name)


class _Namespace:
    """The first part of dotted keys (``study``); its attributes are the second parts."""

    def __init__(self, path: str, members: dict, recorder: _Recorder):
        self._path, self._members, self._recorder = path, members, recorder

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(name) from None

    def __str__(self) -> str:  # {{study}} alone is not a placeholder
        self._recorder.unknown[self._path] = None
        return texts.REPORT_UNKNOWN_MARK.format(name=self._path)


def _undefined(recorder: _Recorder) -> type[Undefined]:
    """An Undefined that renders an unknown placeholder as a visible mark and records it, keeping
    its dotted path (``study.colective``). Unsafe attribute access still raises."""

    class Unknown(Undefined):
        __slots__ = ()

        def _path(self) -> str:
            obj = self._undefined_obj
            base = obj._path() if isinstance(obj, Unknown) else getattr(obj, "_path", None)
            return f"{base}.{self._undefined_name}" if isinstance(base, str) else str(self._undefined_name)

        def __getattr__(self, name: str):
            if name.startswith("__"):
                raise AttributeError(name)
            return Unknown(obj=self, name=name)

        def __str__(self) -> str:
            if self._undefined_hint:  # the sandbox refused an attribute
                self._fail_with_undefined_error()
            path = self._path()
            recorder.unknown[path] = None
            return texts.REPORT_UNKNOWN_MARK.format(name=path)

    return Unknown


def template_context(summary, recorder: _Recorder) -> dict:
    """Placeholder name -> value: figure names and keys, and ``texts.REPORT_CONTEXT``."""
    return _context(placeholder_values(summary), recorder)


def _context(values: dict[str, object], recorder: _Recorder) -> dict:
    flat = {k: _NoData(v.name, recorder) if isinstance(v, _NoDataValue) else v for k, v in values.items()}
    context: dict[str, object] = {}
    groups: dict[str, dict] = {}
    for name, value in flat.items():
        if "." in name:
            head, tail = name.split(".", 1)
            groups.setdefault(head, {})[tail] = value
        else:
            context[name] = value
    for head, members in groups.items():
        context[head] = _Namespace(head, members, recorder)
    return context


# Filling a draft runs the user's Jinja in a child process (data.sandbox): nested loops, output
# growth and huge parts stop at these limits with one message; the server stays responsive.
DRAFT_LIMITS = sandbox.Limits(memory_bytes=768 * 2**20, cpu_seconds=15, seconds=30, output_bytes=64 * 2**20)


@dataclass(frozen=True)
class _NoDataValue:
    """A known placeholder without data, as handed to the child (rendered there as a mark)."""

    name: str  # the figure's name, shown in the mark


def placeholder_values(summary) -> dict[str, object]:
    """Placeholder name (figure and context names and keys) -> value, plain and picklable, for a
    ``metrics.summary.Summary``: what a draft may use, computed here and handed to the sandboxed
    fill (the Summary itself, with every figure's rows, never crosses into the child)."""
    flat: dict[str, object] = {}
    for key, value in summary.context_values().items():
        flat[key] = flat[texts.REPORT_CONTEXT[key][0]] = value
    for f in summary.figures.values():
        flat[f.name] = flat[f.key] = f.text if f.has_data else _NoDataValue(f.name)
    return flat


def fill_template(draft: bytes, summary, file_name: str = "") -> Filled:
    """The user's draft with every known placeholder replaced by its value (formatting kept).

    The draft is checked like a workbook first (``data.safety.check_docx_bytes``), then filled in
    a sandboxed child (``DRAFT_LIMITS``). Raises ``RejectedFile`` when ``draft`` is not a readable
    .docx or exceeds a limit (``SandboxFailed``), ``DataError`` when a placeholder is malformed
    (the message quotes the text around it).
    """
    name = file_name or texts.READER_DEFAULT_FILE_NAME
    check_docx_bytes(draft, name)
    return sandbox.run(fill_values, draft, placeholder_values(summary), name, limits=DRAFT_LIMITS, what=name)


def fill_values(draft: bytes, values: dict[str, object], name: str) -> Filled:
    """The fill itself (run in the sandbox by ``fill_template``)."""
    template = DocxTemplate(io.BytesIO(draft))
    try:
        template.init_docx()
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError):
        raise RejectedFile(texts.REPORT_TEMPLATE_NOT_DOCX.format(file=name), "not_docx") from None
    recorder = _Recorder()
    env = SandboxedEnvironment(undefined=_undefined(recorder), autoescape=True)
    try:
        template.render(_context(values, recorder), env)
    except (TemplateError, TypeError) as err:
        around = " ".join(line.strip() for line in getattr(err, "docx_context", ()) if line.strip())
        raise DataError(texts.REPORT_TEMPLATE_SYNTAX.format(file=name, context=around[:200])) from None
    out = io.BytesIO()
    template.save(out)
    return Filled(out.getvalue(), tuple(recorder.unknown), tuple(recorder.no_data))
