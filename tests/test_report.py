"""The year-end summary: the generated Word draft quotes the metrics of the demo year, every number
has the rows that make it, and a draft typed in Word (placeholders split over runs, in a table cell,
in a header) is filled in. Expected numbers are counted here with plain pandas from the stored
rows, or taken from the metrics modules; never from the code under test."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date

import docx
import openpyxl
import pandas as pd
import pytest
from docx.oxml.ns import qn

from data import texts
from data.demo import SAMPLES_DIR
from data.errors import DataError, RejectedFile
from data.importer import import_files
from data.report_docx import build_docx, fill_template, rows_xlsx
from data.schema import REGISTERS
from data.store import Store
from metrics.catalogue import CATALOGUE, values
from metrics.compliance import compliance
from metrics.progress import progress_table
from metrics.summary import summarize
from tests.helpers import ROOT

YEAR = 2025
BRANCH = "测试支部"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db"
    outcome = import_files(Store(url, branch=BRANCH), sorted(SAMPLES_DIR.glob("*.xlsx")), user="demo")
    assert not outcome.rejected
    return url


@pytest.fixture(scope="module")
def frames(demo_url):
    return Store(demo_url, branch=BRANCH).frames(years=[YEAR - 1, YEAR])


@pytest.fixture(scope="module")
def summary(frames):
    return summarize(frames, YEAR, branch=BRANCH)


@pytest.fixture(scope="module")
def document(summary):
    return docx.Document(io.BytesIO(build_docx(summary)))


def body_text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def table_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def printed(value, *, rate: bool = False) -> str:
    """How the summary writes a number (the rule of the issue, restated here)."""
    if rate:
        return f"{value * 100:.1f}%"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


# --- independent counts, straight from the stored rows ------------------------------------------

def in_year(df: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
    dates = pd.to_datetime(df["date"])
    keep = dates.dt.year == YEAR
    if as_of is not None:
        keep &= dates <= pd.Timestamp(as_of)
    return df.loc[keep]


def study_type(*types):
    def rows(f):
        d = in_year(f["study"])
        return d.loc[d["type"].isin(types)]
    return rows


def attendance_rows(f):
    d = in_year(f["study"])
    return d.loc[d["present"].notna() & d["expected"].notna()]


def inspections(kind, category=None):
    def rows(f):
        d = in_year(f["inspections"])
        d = d.loc[d["type"] == kind]
        return d if category is None else d.loc[d["category"] == category]
    return rows


def volunteer(f):
    return in_year(f["volunteer"])


def distinct(*columns):
    return lambda d: len(d[list(columns)].drop_duplicates())


# key -> (the rows that make it, how they are counted)
CASES = {
    "study.collective": (study_type("集中学习"), len),
    "study.lecture": (study_type("讲党课"), len),
    "study.assembly": (study_type("支部党员大会"), len),
    "study.integrity": (study_type("廉政教育", "警示教育"), len),
    "study.life_meeting": (study_type("组织生活会"), len),
    "study.appraisal": (study_type("民主评议"), len),
    "study.attendance": (attendance_rows, lambda d: d["present"].sum() / d["expected"].sum()),
    "inspect.enforcement_enterprises": (inspections("统计执法检查", "企业"), distinct("object")),
    "inspect.enforcement_projects": (inspections("统计执法检查", "入库项目"), distinct("object")),
    "inspect.quality_enterprises": (inspections("数据质量核查"), distinct("object")),
    "inspect.research": (inspections("调研"), distinct("date")),
    "volunteer.hours": (volunteer, lambda d: d["hours"].sum()),
    "volunteer.person_times": (volunteer, len),
    "volunteer.people": (volunteer, distinct("name")),
    "volunteer.activities": (volunteer, distinct("date", "activity")),
}
RATES = {"study.attendance"}


@pytest.mark.parametrize("key", CASES)
def test_each_number_is_counted_from_exactly_its_rows(summary, frames, key):
    select, count = CASES[key]
    expected_rows = select(frames)
    fig = summary.figure(key)
    assert set(fig.rows.index) == set(expected_rows.index)
    assert fig.value == pytest.approx(count(expected_rows))
    assert fig.text == printed(count(expected_rows), rate=key in RATES)


def test_generated_sentences_quote_the_metrics(summary, frames, document):
    metric = values(frames, YEAR)
    metric["study.life_meeting"] = len(study_type("组织生活会")(frames))
    metric["study.appraisal"] = len(study_type("民主评议")(frames))
    for key, (select, count) in CASES.items():  # the metrics module agrees with plain pandas
        assert metric[key] == pytest.approx(count(select(frames)))
    rates = {i.key for i in CATALOGUE if i.fraction}
    units = {i.key: ("" if i.fraction else i.unit) for i in CATALOGUE} | {"study.life_meeting": "次",
                                                                          "study.appraisal": "次"}
    text = body_text(document)
    for templates in texts.REPORT_OUTLINE.values():
        for template in templates:
            fields = re.findall(r"\{([\w.]+)\}", template)
            if not fields or any(f not in metric for f in fields):
                continue  # an item the built-in catalogue does not count: see test_report_draft.py
            filled = re.sub(r"\{([\w.]+)\}", lambda m: printed(metric[m[1]], rate=m[1] in rates) + units[m[1]],
                            template)
            assert filled in text
    # The seed's phrasing, with the demo year's numbers.
    assert f"开展集中学习{metric['study.collective']}次，研讨交流{metric['study.discussion']}次" in text
    assert f"检查企业{metric['inspect.enforcement_enterprises']}家，入库项目{metric['inspect.enforcement_projects']}个" in text
    assert texts.REPORT_NO_DATA not in text and "自动生成" not in text


def test_appendix_gives_register_rule_and_row_count_of_every_number(summary, frames, document):
    appendix = table_rows(document.tables[-1])
    assert tuple(appendix[0]) == texts.REPORT_SOURCES_HEADERS
    by_name = {row[1]: row for row in appendix[1:]}
    quoted = {k for section in summary.sections for s in section.sentences for k in s.keys}
    assert quoted and quoted <= set(summary.figures)
    for key in quoted:
        fig = summary.figure(key)
        row = by_name[fig.name]
        assert row[2] == fig.with_unit
        register = {"study": "学习教育", "inspections": "检查核查", "volunteer": "志愿服务",
                    "membership": "党员发展与组织关系", "work": "工作台账"}[fig.register]
        assert row[3].startswith(register + "台账中") and row[3].removesuffix("。") in fig.description
        assert row[4] == str(len(fig.rows))
        if key in CASES:
            assert row[4] == str(len(CASES[key][0](frames)))


def test_targets_table_has_status_and_time_progress(frames, document):
    table = progress_table(frames, YEAR)
    targeted = table.loc[table["target"].notna()]
    rows = {r[0]: r for r in table_rows(document.tables[0])[1:]}
    assert set(rows) == set(targeted["name"])
    for r in targeted.to_dict("records"):
        assert rows[r["name"]][4] == r["status"].label
        assert rows[r["name"]][5] == r["summary"]
    # 序时进度 is the same for every row: said once above the table (a past year: the whole year).
    assert texts.REPORT_PROGRESS_LINE.format(as_of=f"{YEAR}年12月31日", progress="100.0%") in body_text(document)


def test_compliance_table_lists_what_was_missed(frames, document):
    missed = compliance(frames, YEAR).missing
    assert missed  # the demo year misses a 支委会 and one 党小组会 on purpose
    cells = "\n".join(c for row in table_rows(document.tables[1]) for c in row)
    for message in missed:
        assert message in cells
    assert texts.REPORT_COMPLIANCE_GAPS in body_text(document)


def test_official_document_conventions(document):
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.top_margin.cm, 1) == 3.7 and round(section.left_margin.cm, 1) == 2.8

    def east_asian(paragraph) -> str:
        return paragraph.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))

    paragraphs = {p.text: p for p in document.paragraphs if p.runs}
    title = document.paragraphs[0]
    assert title.text == texts.REPORT_TITLE.format(branch=BRANCH, year=YEAR)
    assert east_asian(title) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert east_asian(paragraphs[texts.REPORT_PART_WORK.format(year=YEAR)]) == "黑体"
    assert east_asian(paragraphs["（一）政治建设"]) == "楷体"
    assert east_asian(document.paragraphs[2]) == "仿宋"  # the opening line (no subtitle for a whole year)
    assert section.footer._element.xpath(".//w:fldSimple[@w:instr='PAGE']")


@pytest.mark.parametrize("as_of", [date(2025, 3, 31), date(2025, 6, 15), date(2025, 12, 31)])
def test_as_of_date_limits_numbers_and_rows(frames, as_of):
    partial = summarize(frames, YEAR, as_of, branch=BRANCH)
    metric = values(frames, YEAR, as_of)
    for key, expected in metric.items():
        assert partial.figure(key).value == pytest.approx(expected)
    for key in CASES:
        rows = partial.rows(key)
        assert (pd.to_datetime(rows["date"]) <= pd.Timestamp(as_of)).all()
        assert set(rows.index) == set(CASES[key][0]({k: in_year(v, as_of) if "date" in v else v
                                                     for k, v in frames.items()}).index)


def test_rows_download_holds_exactly_the_rows(summary):
    key = "inspect.enforcement_enterprises"
    book = openpyxl.load_workbook(io.BytesIO(rows_xlsx(summary, key)))
    data, note = book.worksheets
    assert data.max_row - 1 == len(summary.rows(key))
    objects = [row[2] for row in data.iter_rows(min_row=2, values_only=True)]
    assert len(set(objects)) == summary.figure(key).value
    notes = [str(v) for row in note.iter_rows(values_only=True) for v in row if v is not None]
    assert any(summary.figure(key).description in v for v in notes)


# --- a branch with only part of its registers --------------------------------------------------------


@pytest.fixture
def study_only(store, tmp_path):
    """Only a 学习教育 sheet, without 应到/实到: volunteer and inspections have no data."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学习教育"
    ws.append(["日期", "类型", "主题"])
    ws.append([date(2024, 3, 1), "集中学习", "理论学习"])
    ws.append([date(2024, 4, 1), "集中学习", "专题学习"])
    ws.append([date(2024, 5, 1), "研讨交流", "交流研讨"])
    path = tmp_path / "学习.xlsx"
    wb.save(path)
    assert not import_files(store, [path], user="tester", today=date(2024, 12, 31)).rejected
    return summarize(store.frames(years=[2023, 2024]), 2024, branch=BRANCH)


def test_no_data_is_said_not_written_as_zero(study_only):
    document = docx.Document(io.BytesIO(build_docx(study_only)))
    text = body_text(document)
    assert "开展集中学习2次，研讨交流1次，领导干部讲党课0次" in text  # the register is kept: 0 is a fact
    keys = ("volunteer.activities", "volunteer.people", "volunteer.person_times", "volunteer.hours",
            "study.attendance", "inspect.issues")
    for key in keys:
        fig = study_only.figure(key)
        assert texts.REPORT_PENDING_MARK.format(name=fig.name) in text
        register = REGISTERS[fig.register].name
        if fig.register == "study":  # rows, but none giving both 应到 and 实到: says what is counted
            assert study_only.pending[key].need == texts.REPORT_PENDING_NO_MATCH.format(
                register=register, year=2024, as_of="2024年12月31日",
                description=fig.description.removesuffix(texts.METRIC_DESCRIBE_PERIOD))
        else:
            assert study_only.pending[key].need == texts.REPORT_PENDING_EMPTY.format(
                register=register, year=2024, as_of="2024年12月31日")
    assert "志愿服务活动0场次" not in text and "0小时" not in text
    assert not study_only.figure("inspect.issues").has_data
    # The appendix says what would fill each of them.
    appendix = {(row[1], row[2]): row for row in table_rows(document.tables[-1])[1:]}
    name = study_only.figure("volunteer.hours").name
    assert appendix[name, texts.REPORT_SOURCES_PENDING][3] == study_only.pending["volunteer.hours"].need + "。"


# --- the user's own draft ----------------------------------------------------------------------------


def split_runs(paragraph, *pieces: str, bold: int | None = None) -> None:
    for i, piece in enumerate(pieces):
        run = paragraph.add_run(piece)
        run.bold = True if i == bold else None


def draft_bytes() -> bytes:
    """A draft as Word stores it: placeholders split over runs, in a table cell, a header, a footer."""
    doc = docx.Document()
    split_runs(doc.add_paragraph(), "本年度开展集中学习", "{{集中", "学习", "次数}}", "次，党课",
               "{{study.", "lecture}}", "次。", bold=1)
    split_runs(doc.add_paragraph(), "未知：", "{{不存在", "的指标}}", "；", "{{study.", "nothing}}", "。")
    cell = doc.add_table(rows=1, cols=2).cell(0, 1)
    split_runs(cell.paragraphs[0], "{{志愿服务", "时长}}", "小时，出勤率", "{{ study.attendance }}")
    split_runs(doc.sections[0].header.paragraphs[0], "{{支", "部}}", "{{年", "度}}年总结")
    split_runs(doc.sections[0].footer.paragraphs[0], "截至", "{{ as_of }}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_draft_placeholders_are_filled_wherever_word_split_them(summary, frames):
    metric = values(frames, YEAR)
    filled = fill_template(draft_bytes(), summary)
    doc = docx.Document(io.BytesIO(filled.data))
    first, second = doc.paragraphs[0], doc.paragraphs[1]
    assert first.text == f"本年度开展集中学习{metric['study.collective']}次，党课{metric['study.lecture']}次。"
    assert [r.text for r in first.runs if r.bold] == [str(metric["study.collective"])]  # formatting kept
    cell = doc.tables[0].cell(0, 1).text
    assert cell == f"{printed(metric['volunteer.hours'])}小时，出勤率{printed(metric['study.attendance'], rate=True)}"
    assert doc.sections[0].header.paragraphs[0].text == f"{BRANCH}{YEAR}年总结"
    assert doc.sections[0].footer.paragraphs[0].text == "截至2025年12月31日"
    assert filled.unknown == ("不存在的指标", "study.nothing")
    assert second.text == ("未知：" + texts.REPORT_UNKNOWN_MARK.format(name="不存在的指标") + "；"
                           + texts.REPORT_UNKNOWN_MARK.format(name="study.nothing") + "。")
    assert filled.no_data == ()


def test_every_catalogue_name_and_key_is_a_placeholder(summary, frames):
    metric = values(frames, YEAR)
    doc = docx.Document()
    for ind in CATALOGUE:
        doc.add_paragraph("{{" + ind.name + "}}|{{" + ind.key + "}}")
    out = io.BytesIO()
    doc.save(out)
    filled = fill_template(out.getvalue(), summary)
    assert filled.unknown == ()
    lines = [p.text for p in docx.Document(io.BytesIO(filled.data)).paragraphs]
    for ind, line in zip(CATALOGUE, lines):
        number = printed(metric[ind.key], rate=ind.fraction)
        assert line == f"{number}|{number}"
    listed = set(summary.placeholders()["name"]) | set(summary.placeholders()["key"])
    assert {"{{" + x + "}}" for ind in CATALOGUE for x in (ind.name, ind.key)} <= listed


def test_placeholder_without_data_is_marked(study_only):
    doc = docx.Document()
    doc.add_paragraph("服务{{志愿服务时长}}小时，学习{{集中学习次数}}次")
    out = io.BytesIO()
    doc.save(out)
    filled = fill_template(out.getvalue(), study_only)
    text = docx.Document(io.BytesIO(filled.data)).paragraphs[0].text
    assert text == "服务" + texts.REPORT_NO_DATA_MARK.format(name="志愿服务时长") + "小时，学习2次"
    assert filled.no_data == ("志愿服务时长",)


def one_paragraph(text: str) -> bytes:
    doc = docx.Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize("text", [
    "{{集中学习 次数}}",                       # a space inside the name
    "{{集中学习次数}",                         # one brace missing
    "{{ ''.__class__.__mro__ }}",             # the sandbox refuses Python internals
    "{{ study.__class__ }}",
])
def test_malformed_or_unsafe_placeholder_is_refused(summary, text):
    with pytest.raises(DataError) as err:
        fill_template(one_paragraph(text), summary, file_name="草稿.docx")
    assert err.value.message.startswith("草稿.docx")


def test_not_a_word_document_is_refused(summary):
    wb = openpyxl.Workbook()
    xlsx = io.BytesIO()
    wb.save(xlsx)
    for data in (b"not a zip", xlsx.getvalue()):
        with pytest.raises(RejectedFile):
            fill_template(data, summary, file_name="a.docx")


# --- the command line ------------------------------------------------------------------------------


def test_cli_report(demo_url, frames, tmp_path):
    """The real command, as staff and cron run it."""
    env = {**os.environ, "DATABASE_URL": demo_url, "DJ_BRANCH": BRANCH, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "report", "--year", str(YEAR), "--as-of",
                           "2025-06-30", "--out", "summary.docx"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    metric = values(frames, YEAR, date(2025, 6, 30))
    text = body_text(docx.Document(tmp_path / "summary.docx"))
    assert f"开展集中学习{metric['study.collective']}次" in text
    assert "截至2025年6月30日" in text
    # The items to fill in by hand are named on stdout too (the demo has no 工作台账 indicators).
    assert "【待补充：统计专报篇数】" in text
    assert texts.CLI_REPORT_PENDING.split("：")[0] in proc.stdout and "统计专报篇数" in proc.stdout


def test_cli_report_fills_a_draft(demo_url, frames, tmp_path, monkeypatch, capsys):
    import cli

    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("DJ_BRANCH", BRANCH)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "draft.docx").write_bytes(draft_bytes())
    args = ["report", "--year", str(YEAR), "--template", "draft.docx", "--out", "filled.docx"]
    assert cli.main(args) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "不存在的指标" in err and "study.nothing" in err
    filled = docx.Document(tmp_path / "filled.docx")
    assert filled.paragraphs[0].text.startswith(f"本年度开展集中学习{values(frames, YEAR)['study.collective']}次")

    assert cli.main(["report", "--year", str(YEAR), "--out", "summary.txt"]) == cli.EXIT_USAGE
    assert cli.main(["report", "--year", str(YEAR), "--template", "missing.docx", "--out", "x.docx"]) \
        == cli.EXIT_REFUSED
    (tmp_path / "bad.docx").write_bytes(one_paragraph("{{集中学习 次数}}"))
    assert cli.main(["report", "--year", str(YEAR), "--template", "bad.docx", "--out", "x.docx"]) \
        == cli.EXIT_REFUSED
    assert "bad.docx" in capsys.readouterr().err
