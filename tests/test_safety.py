"""File safety before parsing (data.safety): the corpus refused with its exact message, the limits
at their edges, the exact scan agreeing with the fast one, defusedxml in use, and processes that
survive the files that abort calamine."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import defusedxml
import defusedxml.ElementTree
import openpyxl
import openpyxl.xml.functions
import pytest
import xlsxwriter
from openpyxl.utils.cell import get_column_letter
from python_calamine import CalamineWorkbook

from data import safety
from data.errors import RejectedFile
from data.reader import read_workbook
from tests.bad_inputs import BUILDERS, READER, SAFETY, build_corpus, cell, sheet_bytes, sheet_xml, workbook_bytes
from tests.helpers import ROOT
from tests.xlsx_factory import register_rows, xlsx_bytes

SAFETY_CASES = [name for name, (stage, _) in BUILDERS.items() if stage == SAFETY]
READER_CASES = [name for name, (stage, _) in BUILDERS.items() if stage == READER]
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return {case.name: case for case in build_corpus(tmp_path_factory.mktemp("bad-inputs"))}


def refusal(data: bytes, name: str = "t.xlsx") -> tuple[str, str] | None:
    """(code, message) of the refusal, or None when the bytes pass."""
    try:
        safety.check_workbook_bytes(data, name)
    except RejectedFile as err:
        return err.code, err.message
    return None


# --- the corpus ----------------------------------------------------------------------------------------

def test_corpus_covers_the_issue_and_every_message(corpus):
    assert len(corpus) >= 25
    asked = {"zero_byte", "blank_text", "truncated_zip", "random_bytes", "csv_renamed", "html_renamed",
             "zip_not_workbook", "xls_renamed", "encrypted_workbook", "macros", "far_cell_only", "bomb_348mb",
             "billion_laughs", "quadratic_blowup", "external_entity", "rows_1048576", "no_known_sheet",
             "missing_column", "bad_date", "unknown_type", "negative_hours", "hours_25",
             "present_above_expected", "text_in_number", "formula_cell"}
    assert asked <= set(corpus)
    assert {c.code for c in corpus.values() if c.stage == SAFETY} == set(safety.SAFETY_MESSAGES)
    assert all(c.path.name in c.message for c in corpus.values())


@pytest.mark.parametrize("name", SAFETY_CASES)
def test_refused_before_parsing_with_its_message(corpus, name):
    case = corpus[name]
    assert refusal(case.path.read_bytes(), case.path.name) == (case.code, case.message)


@pytest.mark.parametrize("name", READER_CASES)
def test_content_errors_pass_the_check_and_fail_in_the_reader(corpus, name):
    case = corpus[name]
    assert refusal(case.path.read_bytes()) is None
    errors = [issue.message for issue in read_workbook(case.path).errors]
    assert any(case.message in message for message in errors), errors


def test_the_bombs_are_real(corpus):
    with zipfile.ZipFile(corpus["bomb_348mb"].path) as zf, zf.open("xl/worksheets/sheet1.xml") as part:
        total = sum(len(chunk) for chunk in iter(lambda: part.read(2**22), b""))  # CRC checked at the end
    assert total > 348 * 10**6
    with zipfile.ZipFile(corpus["bomb_lying_header"].path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        data = corpus["bomb_lying_header"].path.read_bytes()
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    start = info.header_offset + 30 + len(info.filename)
    assert info.file_size == 100_000
    assert len(inflater.decompress(data[start:start + info.compress_size], 10 * info.file_size)) > info.file_size


# --- processes survive -----------------------------------------------------------------------------------

# Run in a child with its address space capped: a file that got past the check would make calamine
# abort at once (allocation refused) instead of swapping.
_CAPPED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
{body}
"""


def _run(body: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _CAPPED.format(body=body), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})


@pytest.mark.parametrize("name", ["far_cell_pair", "far_cell_second_r"])
def test_without_the_check_calamine_aborts_the_process(corpus, name):
    body = ("from python_calamine import CalamineWorkbook\n"
            "CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()\n"
            "print('survived')")
    done = _run(body, str(corpus[name].path))
    assert done.returncode == -signal.SIGABRT, done.stdout + done.stderr
    assert "memory allocation" in done.stderr and "survived" not in done.stdout


def test_read_workbook_refuses_them_and_the_process_carries_on(corpus):
    names = ["far_cell_only", "far_cell_pair", "far_cell_no_refs", "far_cell_prefixed", "far_cell_quoted_gt",
             "far_cell_second_r", "bomb_348mb", "bomb_lying_header", "rows_1048576", "merged_rows", "many_sheets", "billion_laughs"]
    body = ("from data.errors import RejectedFile\n"
            "from data.reader import read_workbook\n"
            "for path in sys.argv[1:]:\n"
            "    try:\n"
            "        read_workbook(path)\n"
            "        print('read')\n"
            "    except RejectedFile as err:\n"
            "        print(err.code)\n"
            "print('alive')")
    done = _run(body, *(str(corpus[n].path) for n in names))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [corpus[n].code for n in names] + ["alive"]


# --- limits at their edges -------------------------------------------------------------------------------

def _pair(last: str, first: str = "A1") -> str:
    """sheetData rows with two non-empty cells."""
    row = int("".join(ch for ch in last if ch.isdigit()))
    return f'<row r="1">{cell(first)}</row><row r="{row}">{cell(last)}</row>'


def _too_large(rows: int, cols: int) -> tuple[str, str]:
    return "sheet_too_large", safety.SAFETY_MESSAGES["sheet_too_large"].format(
        file="t.xlsx", sheet="学习教育", corner=f"{get_column_letter(cols)}{rows}", rows=rows, cols=cols,
        max_rows=safety.MAX_SHEET_ROWS, max_cells=safety.MAX_SHEET_CELLS)


_ROWS, _COLS = 1000, safety.MAX_SHEET_CELLS // 1000  # a box of exactly MAX_SHEET_CELLS


@pytest.mark.parametrize("rows, expected", [
    (_pair(f"A{safety.MAX_SHEET_ROWS}"), None),
    (_pair(f"A{safety.MAX_SHEET_ROWS + 1}"), _too_large(safety.MAX_SHEET_ROWS + 1, 1)),
    (_pair(f"{get_column_letter(_COLS)}{_ROWS}"), None),
    (_pair(f"{get_column_letter(_COLS + 1)}{_ROWS}"), _too_large(_ROWS, _COLS + 1)),
    (_pair(f"XFD{safety.GRID_ROWS}"), _too_large(safety.GRID_ROWS, safety.GRID_COLUMNS)),
    (_pair("XFE1"), ("out_of_grid", safety.SAFETY_MESSAGES["out_of_grid"].format(file="t.xlsx", sheet="学习教育"))),
    # The box starts at A1 whatever the first cell: pandas/openpyxl read from A1.
    (f'<row r="{safety.MAX_SHEET_ROWS + 1}">{cell(f"B{safety.MAX_SHEET_ROWS + 1}")}</row>',
     _too_large(safety.MAX_SHEET_ROWS + 1, 2)),
    # An empty cell (formatting only) is not data: calamine skips it.
    (f'<row r="1">{cell("A1")}</row><row r="{safety.GRID_ROWS}"><c r="XFD{safety.GRID_ROWS}" s="1"/></row>', None),
    # Any other cell counts, even with nothing inside (an over-estimate, never an under-estimate).
    (f'<row r="1">{cell("A1")}</row><row r="{safety.GRID_ROWS}"><c r="XFD{safety.GRID_ROWS}" s="1"></c></row>',
     _too_large(safety.GRID_ROWS, safety.GRID_COLUMNS)),
    # Lower-case references are read by calamine too.
    (_pair(f"xfd{safety.GRID_ROWS}"), _too_large(safety.GRID_ROWS, safety.GRID_COLUMNS)),
], ids=["rows-at-limit", "rows-over", "cells-at-limit", "cells-over", "last-cell", "past-last-column",
        "box-from-A1", "empty-far-cell", "hollow-far-cell", "lower-case"])
def test_sheet_box_limits(rows, expected):
    assert refusal(workbook_bytes(rows)) == expected


@pytest.mark.parametrize("tag, refused", [
    ('<c r="A2" r="XFD9">', True),
    ('<c r="A2" s="1"r="XFD9">', True),  # quick-xml does not insist on the blank
    ('<c r="A2" s="1" r ="XFD9">', True),
    ('<c r="A2" s=">" r="XFD9">', True),  # the first ">" is inside a value
    ('<c r="A2" s="x />" r="XFD9">', True),
    ("<c r=\"A2\" s='\"' t='>' r=\"XFD9\">", True),
    ('<c r="A2" t="str">', False),  # an "r" inside a value is not an attribute
    ('<c r="A2" t="inlineStr"><is><t>a r b r=c</t></is>', False),
])
def test_a_second_r_attribute_is_not_plain(tag, refused):
    found = refusal(workbook_bytes(f'<row r="1">{cell("A1")}</row><row r="2">{tag}<v>1</v></c></row>'))
    assert (found is not None and found[0] == "nonstandard") == refused and (found is None) != refused


def _merges(cells: int) -> str:
    """One column of merged ranges covering ``cells`` cells in all."""
    ranges, row = [], 2
    while cells:
        n = min(cells, 100_000)
        ranges.append(f'<mergeCell ref="B{row}:B{row + n - 1}"/>')
        row, cells = row + n, cells - n
    return f'<mergeCells count="{len(ranges)}">{"".join(ranges)}</mergeCells>'


@pytest.mark.parametrize("cells, refused", [(safety.MAX_MERGED_CELLS, False), (safety.MAX_MERGED_CELLS + 1, True)])
def test_merged_cells_limit(cells, refused):
    found = refusal(sheet_bytes(sheet_xml(_pair("A2"), tail=_merges(cells))))
    assert (found is not None) == refused
    if refused:
        assert found[0] == "merges_too_large"


# --- the exact scan agrees with the fast one ----------------------------------------------------------------

def _encode(style: str, cells: list[str]) -> str:
    """A worksheet holding a value in each cell, written the way ``style`` says (the fast scan
    reads "plain" and "inline"; every other style goes through the exact expat scan)."""
    def one(ref: str) -> str:
        col = "".join(ch for ch in ref if ch.isalpha())
        return {
            "plain": f'<c r="{ref}"><v>1</v></c>',
            "inline": f'<c r="{ref}" t="inlineStr"><is><t>一</t></is></c>',
            "r_not_first": f'<c s="0" r="{ref}"><v>1</v></c>',
            "single_quotes": f"<c r='{ref}'><v>1</v></c>",
            "newline": f'<c\nr="{ref}"><v>1</v></c>',
            "quoted_gt": f'<c cm="&gt;>" r="{ref}"><v>1</v></c>',
            "no_refs": "<c/>" * (openpyxl.utils.cell.column_index_from_string(col) - 1) + "<c><v>1</v></c>",
            "prefixed": f'<x:c r="{ref}"><x:v>1</x:v></x:c>',
        }[style]

    tag = "x:" if style == "prefixed" else ""
    rows = "".join(f'<{tag}row r="{"".join(ch for ch in ref if ch.isdigit())}">{one(ref)}</{tag}row>'
                   for ref in cells)
    ns = f'xmlns:x="{MAIN_NS}"' if tag else f'xmlns="{MAIN_NS}"'
    return f'<?xml version="1.0"?><{tag}worksheet {ns}><{tag}sheetData>{rows}</{tag}sheetData></{tag}worksheet>'


_STYLES = ["plain", "inline", "r_not_first", "single_quotes", "newline", "quoted_gt", "no_refs", "prefixed"]
_SHAPES = {
    "rows-at-limit": ["A1", f"A{safety.MAX_SHEET_ROWS}"],
    "rows-over": ["A1", f"A{safety.MAX_SHEET_ROWS + 1}"],
    "cells-at-limit": ["A1", f"{get_column_letter(_COLS)}{_ROWS}"],
    "cells-over": ["A1", f"{get_column_letter(_COLS + 1)}{_ROWS}"],
}


@pytest.mark.parametrize("shape", list(_SHAPES))
@pytest.mark.parametrize("style", _STYLES)
def test_every_way_of_writing_cells_gives_the_same_answer(style, shape):
    expected = refusal(sheet_bytes(_encode("plain", _SHAPES[shape])))
    assert (expected is None) == shape.endswith("at-limit")
    assert refusal(sheet_bytes(_encode(style, _SHAPES[shape]))) == expected


@pytest.mark.parametrize("shift", [-20, -9, -5, -1, 0, 1, 7])
def test_tags_across_chunk_boundaries(monkeypatch, shift):
    """A far cell tag, and a DTD, cut by the boundary between two inflated chunks (4 KiB here:
    a small part inflates in chunks of exactly that size)."""
    monkeypatch.setattr(safety, "_OUT_CHUNK", 4096)
    row = f'<row r="{safety.GRID_ROWS}">'
    far = f'{row}<c r="XFD{safety.GRID_ROWS}"><v>1</v></c></row><row r="1">{cell("A1")}</row>'
    head, data_tag, tail = sheet_xml("").partition("<sheetData>")
    pad = " " * (4096 - len((head + data_tag + row).encode()) + shift)  # "<c r=" starts at 4096 + shift
    assert refusal(sheet_bytes(head + data_tag + pad + far + tail)) == _too_large(safety.GRID_ROWS, safety.GRID_COLUMNS)
    dtd = " " * (4096 + shift) + '<!DOCTYPE worksheet [<!ENTITY e "e">]>' + sheet_xml(cell("A1")).partition("?>")[2]
    assert refusal(sheet_bytes(dtd))[0] == "unsafe_xml"


@pytest.mark.parametrize("extra, refused", [(0, False), (1, True)])
def test_shared_strings_counted_across_chunk_boundaries(monkeypatch, extra, refused):
    monkeypatch.setattr(safety, "_OUT_CHUNK", 4096)  # 21-byte items: "<si>" falls on every offset
    monkeypatch.setattr(safety, "MAX_SHARED_STRINGS", 5000)
    items = "".join(f"<si><t>{i:05d}</t></si>" for i in range(5000 + extra))
    strings = f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}">{items}</sst>'
    found = refusal(workbook_bytes(f'<row r="1">{cell("A1")}</row>', shared_strings=strings))
    assert found == (("too_many_strings", safety.SAFETY_MESSAGES["too_many_strings"].format(
        file="t.xlsx", limit=5000)) if refused else None)


# --- real workbooks pass -------------------------------------------------------------------------------------

def _xlsxwriter_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("志愿服务")
    ws.merge_range("A1:D1", "2022年志愿服务台账")
    ws.write_row(1, 0, ["日期", "姓名", "活动名称", "时长（小时）"])
    date_format = wb.add_format({"num_format": "yyyy/m/d", "border": 1})
    for i in range(2, 302):
        ws.write_datetime(i, 0, dt.datetime(2022, 3, 1 + i % 28), date_format)
        ws.write_row(i, 1, ["张三", "社区清扫", 2])
    ws.write_blank(400, 7, None, date_format)  # a formatted empty cell away from the data
    wb.close()
    return path.read_bytes()


def test_ordinary_workbooks_pass(tmp_path):
    records = [{"date": "2022-03-15", "type": "集中学习", "topic": "学习党章"}] * 50
    assert refusal(xlsx_bytes({"学习教育": register_rows("study", records, title="2022年学习台账")})) is None
    assert refusal(_xlsxwriter_bytes(tmp_path), "不看扩展名.csv") is None


# --- defusedxml ----------------------------------------------------------------------------------------------

def test_defusedxml_is_pinned_and_used_by_openpyxl():
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("defusedxml==") for line in pins)
    assert openpyxl.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse is defusedxml.ElementTree.iterparse


@pytest.mark.parametrize("name", ["billion_laughs", "external_entity"])
def test_entity_attacks_are_refused_by_every_reader(corpus, name):
    path = corpus[name].path
    assert refusal(path.read_bytes())[0] == "unsafe_xml"
    with pytest.raises(ValueError) as raised:  # openpyxl wraps defusedxml's refusal
        openpyxl.load_workbook(path)
    assert isinstance(raised.value.__cause__, defusedxml.EntitiesForbidden)
    with pytest.raises(Exception, match="unrecognized entity"):  # calamine never expands entities
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
