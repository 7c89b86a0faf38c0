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
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
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

# Fonts of a Chinese official document (GB/T 9704): the East Asian font of each run.
TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体", "仿宋"
LATIN_FONT = "Times New Roman"
TITLE_PT, BODY_PT, TABLE_PT, LINE_PT = 22, 16, 10.5, 28  # 二号, 三号, 五号; fixed line height
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
    if font in (HEADING_FONT, SUBHEADING_FONT):
        p.paragraph_format.keep_with_next = True  # a heading never ends a page
    if text:
        _font(p.add_run(text), font, size, bold)
    return p


# Table text: 五号 (10.5 pt) in the body tables, 小五 (9 pt) in the appendix; cell padding left + right.
APPENDIX_PT = 9
CELL_PADDING = Cm(0.5)
TEXT_WIDTH = PAGE["page_width"] - PAGE["left_margin"] - PAGE["right_margin"]


def column_widths(headers, rows, size: float, wide: int, numeric: tuple[int, ...] = (),
                  total: int = TEXT_WIDTH) -> list[int]:
    """Column widths (EMU) fitted to content. A column's natural width is its longest cell (a CJK
    character is ``size`` points wide, a Latin one half) plus the cell padding. ``numeric`` columns
    (numbers, states: short) get their natural width and never wrap; other text columns at most a
    fifth of the text width (they wrap); ``wide`` (the 说明 column) takes what is left, at least two
    fifths of the text width (or its natural width, if less). When that does not fit, the other
    text columns shrink in proportion, to no less than six characters."""
    def natural(cells) -> int:
        return int(max(texts.display_width(str(c)) for c in cells) * Pt(size) / 2 + CELL_PADDING)

    columns = list(zip(headers, *rows))
    widths = [natural(col) if i in numeric else min(natural(col), total // 5) for i, col in enumerate(columns)]
    floor = min(total * 2 // 5, natural(columns[wide]))
    fixed = sum(w for i, w in enumerate(widths) if i in numeric)
    text = [i for i in range(len(widths)) if i != wide and i not in numeric]
    least = int(6 * Pt(size) + CELL_PADDING)
    room = total - floor - fixed
    wanted = sum(widths[i] for i in text)
    if wanted > room:
        scale = max(room, 0) / wanted
        for i in text:
            widths[i] = max(min(widths[i], least), int(widths[i] * scale))
    widths[wide] = total - sum(w for i, w in enumerate(widths) if i != wide)
    return widths


PENDING = re.compile(r"(【[^】]*】)")


def _marked(p, text: str) -> None:
    """Body text with every 【待补充：…】 highlighted in yellow, so that it is found and filled in."""
    for part in PENDING.split(text):
        if part:
            run = p.add_run(part)
            _font(run, BODY_FONT, BODY_PT)
            if PENDING.fullmatch(part):
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _table(doc, headers, rows: list[list[str]], *, wide: int, size: float = TABLE_PT,
           numeric: tuple[int, ...] = ()) -> None:
    """A table whose columns fit their content (``column_widths``), laid out fixed so that Word,
    WPS and LibreOffice keep the widths; no row splits across pages; the header row repeats."""
    widths = column_widths(headers, rows, size, wide, numeric)
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout fixed, in its schema place
    width = table._tbl.tblPr.find(qn("w:tblW"))  # the table as wide as the text, in twips
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(sum(widths) // 635))
    for column, width in zip(table.columns, widths):
        column.width = width  # w:gridCol
    header_row = table.rows[0]
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeat on every page
    for row, values, font in ((header_row, headers, HEADING_FONT),
                              *((table.add_row(), r, BODY_FONT) for r in rows)):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row stays on one page
        for i, (cell, value, width) in enumerate(zip(row.cells, values, widths)):
            cell.width = width  # w:tcW, which Word and LibreOffice honour per cell
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.paragraph_format.line_spacing = 1.0
            p.paragraph_format.first_line_indent = 0
            p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(size / 5)
            if font == HEADING_FONT or i in numeric:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(str(value)), font, size)


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
                     _percent(None if ind.fraction else r["completion"]),
                     r["status"].label if r["status"] else texts.METRIC_NONE, r["summary"] or texts.METRIC_NONE])
    return rows


def _compliance_rows(summary) -> list[list[str]]:
    return [[r["name"], r["article"], r["group"] or texts.REPORT_ALL_GROUPS, str(r["met"]), str(r["missed"]),
             str(r["not_due"]), "；".join(r["messages"]) or texts.METRIC_NONE] for r in summary.compliance_rows()]


def source_rows(summary) -> list[list[str]]:
    """The appendix 数据来源: per figure, its name, number, 口径 (register, filter, counting) and row
    count; then the items of the outline without a number (待补充) and what would fill them."""
    rows = [[f.name, texts.REPORT_SOURCES_NOT_DUE if f.not_due else f.with_unit,
             f.description.removesuffix(texts.METRIC_DESCRIBE_PERIOD) + "。", str(len(f.rows))]
            for f in summary.figures.values()]  # the period is said once, above the table
    rows += [[p.name, texts.REPORT_SOURCES_PENDING, p.need + "。", texts.METRIC_NONE] for p in summary.pending.values()]
    return [[str(i), *row] for i, row in enumerate(rows, 1)]


def _properties(doc, summary) -> None:
    """File > Properties name the branch and say where the numbers come from (never python-docx)."""
    props = doc.core_properties
    now = dt.datetime.now().replace(microsecond=0)
    props.title = texts.REPORT_TITLE.format(branch=summary.branch, year=summary.year)
    props.subject = texts.REPORT_SUBJECT.format(year=summary.year)
    props.author = props.last_modified_by = summary.branch
    props.keywords = texts.REPORT_KEYWORDS.format(year=summary.year)
    props.comments = texts.REPORT_PROVENANCE.format(year=summary.year, as_of=texts.long_date(summary.as_of))
    props.category = props.content_status = props.identifier = props.language = props.version = ""
    props.created = props.modified = now
    props.last_printed = now
    props.revision = 1


def build_docx(summary) -> bytes:
    """The generated draft of ``summary`` (a ``metrics.summary.Summary``) as .docx bytes: title,
    一、(一) sections of sentences, the targets table, the 三会一课 table and the appendix 数据来源."""
    doc = Document()
    _setup(doc)
    as_of = texts.long_date(summary.as_of)
    _paragraph(doc, texts.REPORT_TITLE.format(branch=summary.branch, year=summary.year), TITLE_FONT, TITLE_PT,
               center=True)
    if summary.as_of < dt.date(summary.year, 12, 31):
        _paragraph(doc, texts.REPORT_SUBTITLE.format(as_of=as_of), SUBHEADING_FONT, center=True)
    _paragraph(doc, "", indent=False)
    _paragraph(doc, texts.REPORT_INTRO.format(branch=summary.branch, year=summary.year))

    _paragraph(doc, texts.REPORT_PART_WORK.format(year=summary.year), HEADING_FONT)
    for numeral, section in zip(texts.REPORT_NUMERALS, summary.sections):
        _paragraph(doc, texts.REPORT_SUBHEADING.format(numeral=numeral, title=section.title), SUBHEADING_FONT)
        _marked(_paragraph(doc, ""), "".join(s.text for s in section.sentences))

    _paragraph(doc, texts.REPORT_PART_TARGETS, HEADING_FONT)
    rows = _progress_rows(summary)
    if rows:
        _paragraph(doc, texts.REPORT_PROGRESS_LINE.format(as_of=as_of, progress=_percent(summary.time_progress)))
        title = texts.METRIC_TABLE_TITLE.format(year=summary.year, as_of=as_of)
        _paragraph(doc, texts.REPORT_TABLE_TARGETS.format(title=title), HEADING_FONT, 14,
                   center=True).paragraph_format.keep_with_next = True
        h = texts.METRIC_TABLE_HEADERS
        # 序时进度 is the same in every row: the line above the table states it once.
        _table(doc, [h[c] for c in ("name", "value", "target", "completion", "status", "summary")],
               rows, wide=5, numeric=(1, 2, 3, 4))
    else:
        _paragraph(doc, texts.REPORT_NO_TARGETS.format(year=summary.year))

    _paragraph(doc, texts.REPORT_PART_COMPLIANCE, HEADING_FONT)
    if summary.period_rows.get("study"):
        title = texts.COMPLIANCE_TITLE.format(year=summary.year, as_of=as_of)
        _paragraph(doc, texts.REPORT_TABLE_COMPLIANCE.format(title=title), HEADING_FONT, 14,
                   center=True).paragraph_format.keep_with_next = True
        _table(doc, texts.REPORT_COMPLIANCE_HEADERS, _compliance_rows(summary), wide=6, numeric=(1, 2, 3, 4, 5))
        if summary.compliance.notes:
            _paragraph(doc, texts.REPORT_NOTES)
            for note in summary.compliance.notes:
                _paragraph(doc, note)
    else:
        _paragraph(doc, texts.REPORT_COMPLIANCE_EMPTY.format(year=summary.year))

    # The appendix starts a page; a page break of its own would leave a blank page whenever the
    # tables above end at the bottom of one.
    _paragraph(doc, texts.REPORT_PART_SOURCES, HEADING_FONT, indent=False).paragraph_format.page_break_before = True
    _paragraph(doc, texts.REPORT_SOURCES_INTRO.format(branch=summary.branch, year=summary.year, as_of=as_of))
    _table(doc, texts.REPORT_SOURCES_HEADERS, source_rows(summary), wide=3, size=APPENDIX_PT,
           numeric=(0, 2, 4))

    _properties(doc, summary)
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


APPROX_FILTERS = ("约数", "approx")  # {{数据质量核查企业数|约数}} -> 100余


def approximate(value: object) -> object:
    """The 公文 approximation of a number (the 约数 filter): below 10 as it is; from 10 to 999 the
    leading digit kept and the rest dropped (46 -> 40余, 108 -> 100余); from 1000 on the two leading
    digits kept (1234 -> 1200余); a number that is already round stays exact (40, 100, 1200); a
    fraction is cut to its whole part first (616.5 -> 600余). Anything else (a percentage, a
    【暂无数据】 mark) is returned unchanged. The unit follows in the draft: {{…|约数}}家 -> 100余家."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return value
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        return value
    if not number >= 10 or number != number or number == float("inf"):
        return value
    whole = int(number)
    step = 10 ** (len(str(whole)) - (1 if whole < 1000 else 2))
    rounded = whole // step * step
    return str(rounded) if rounded == number else texts.REPORT_APPROX.format(value=rounded)


def template_environment(recorder: _Recorder) -> SandboxedEnvironment:
    """The sandboxed Jinja environment a draft is rendered in: unknown placeholders recorded and
    marked, the 约数 filter (``approximate``) registered under its Chinese and English names."""
    env = SandboxedEnvironment(undefined=_undefined(recorder), autoescape=True)
    for name in APPROX_FILTERS:
        env.filters[name] = approximate
    return env


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
    env = template_environment(recorder)
    try:
        template.render(_context(values, recorder), env)
    except (TemplateError, TypeError) as err:
        around = " ".join(line.strip() for line in getattr(err, "docx_context", ()) if line.strip())
        raise DataError(texts.REPORT_TEMPLATE_SYNTAX.format(file=name, context=around[:200])) from None
    out = io.BytesIO()
    template.save(out)
    return Filled(out.getvalue(), tuple(recorder.unknown), tuple(recorder.no_data))
