"""The bad-input corpus: every hostile or broken upload the product must refuse, built on demand
(nothing large is committed).

    cases = build_corpus(tmp_dir)          # writes <name>.xlsx for every case
    python -m tests.bad_inputs OUT_DIR     # the same, from a shell (for the benchmark)

Each ``Case`` says where it must be refused and with what:

- stage "safety": by ``data.safety.check_workbook_bytes`` before any parser runs; ``message`` is
  the exact message and ``code`` the ``RejectedFile.code``;
- stage "reader": the file is a sound workbook whose content is wrong; ``read_workbook`` reports
  an error issue whose message contains ``message`` (the start of the reader's sentence,
  ``{file} {sheet} 第{row}行「{column}」"{value}" …``); ``code`` is "invalid".

Expected messages are built from the templates in data/texts.py and the limits in
data/safety.py, so they follow any change there. Big files are written directly as zip parts
(the 348 MB bomb is one compressed 1 MiB block repeated), never with openpyxl. Names in the files
are made up.
"""

from __future__ import annotations

import io
import random
import string
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from data import safety, schema, texts
from tests.xlsx_factory import register_rows, xlsx_bytes

SAFETY, READER = "safety", "reader"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    message: str  # SAFETY: the exact message; READER: a substring of one error's message
    code: str  # SAFETY: RejectedFile.code; READER: "invalid"
    stage: str  # SAFETY or READER
    # The import's own message when it differs from the safety check's: OLE2 files are refused by
    # data.safety (backups) but read by the importer as .xls (data.grids).
    import_message: str | None = None

    @property
    def imported_message(self) -> str:
        return self.import_message or self.message


# name -> the import's message for a case whose import message differs from data.safety's.
IMPORT_MESSAGES: dict[str, Callable[[str], str]] = {
    "xls_renamed": lambda file: texts.READER_NOT_WORKBOOK.format(file=file),
    "encrypted_workbook": lambda file: texts.READER_PASSWORD.format(file=file),
}

# name -> (stage, builder); a builder takes the file name and returns (bytes, message, code).
BUILDERS: dict[str, tuple[str, Callable[[str], tuple[bytes, str, str]]]] = {}


def _case(stage: str):
    def register(builder):
        BUILDERS[builder.__name__] = (stage, builder)
        return builder
    return register


def build_corpus(directory: str | Path, names: list[str] | None = None) -> list[Case]:
    """Write every case (or those named) into ``directory`` and return them."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cases = []
    for name in names or list(BUILDERS):
        stage, builder = BUILDERS[name]
        path = directory / f"{name}.xlsx"
        data, message, code = builder(path.name)
        path.write_bytes(data)
        cases.append(Case(name, path, message, code, stage, IMPORT_MESSAGES.get(name, lambda f: None)(path.name)))
    return cases


# --- writing zip parts ---------------------------------------------------------------------------

def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


@dataclass
class _Part:
    """One zip entry as written: ``stream`` is already compressed with ``method``; ``size`` and
    ``crc`` are what the headers declare (for a bomb, not necessarily the truth)."""

    name: str
    stream: bytes
    size: int
    crc: int
    method: int = 8


def _part(name: str, data: bytes | str) -> _Part:
    data = data.encode() if isinstance(data, str) else data
    return _Part(name, _deflate(data), len(data), zlib.crc32(data))


def _zip(parts: list[_Part]) -> bytes:
    """A zip archive written field by field (so that headers can lie)."""
    out, central = bytearray(), bytearray()
    for p in parts:
        name, offset = p.name.encode(), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, p.method, 0, 0x21, p.crc,
                           len(p.stream), p.size, len(name), 0) + name + p.stream
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, p.method, 0, 0x21, p.crc,
                               len(p.stream), p.size, len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(out), 0)
    return bytes(out + central + end)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_NAME = schema.STUDY.name  # the sheet of the byte-level cases: a register's own name
_SHARED_STRINGS = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="0" uniqueCount="0"/>'


def workbook_xml(prolog: str = "", sheet_name: str = _SHEET_NAME) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>')


def sheet_xml(rows: str, prolog: str = "", tail: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}<worksheet xmlns="{_MAIN}">'
            f"<sheetData>{rows}</sheetData>{tail}</worksheet>")


def _parts(sheet: _Part | bytes | str, *, workbook: str | None = None,
           shared_strings: str = _SHARED_STRINGS) -> list[_Part]:
    """The parts of a one-sheet workbook around ``sheet`` (the worksheet XML or a ready part)."""
    sheet = sheet if isinstance(sheet, _Part) else _part("xl/worksheets/sheet1.xml", sheet)
    return [_part("[Content_Types].xml", _CT), _part("_rels/.rels", _ROOT_RELS),
            _part("xl/workbook.xml", workbook or workbook_xml()),
            _part("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            _part("xl/sharedStrings.xml", shared_strings), sheet]


def workbook_bytes(rows: str, **kwargs) -> bytes:
    """A one-sheet workbook whose sheetData holds ``rows`` (see ``_parts`` for the options)."""
    return sheet_bytes(sheet_xml(rows), **kwargs)


def sheet_bytes(sheet: str | bytes | _Part, **kwargs) -> bytes:
    """A one-sheet workbook around a whole worksheet XML (or a ready part)."""
    return _zip(_parts(sheet, **kwargs))


def cell(ref: str, value: int = 1) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _refused(code: str, file: str, **fields) -> str:
    return safety.SAFETY_MESSAGES[code].format(file=file, **fields)


def _bomb(file: str, reason: str) -> str:
    return _refused("bomb", file, reason=reason)


def _ratio_reason(data: bytes) -> str:
    """The ratio reason for the part of ``data`` with the highest ratio, as data.safety states it."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = max(zf.infolist(), key=lambda i: i.file_size / max(i.compress_size, 1))
    return texts.SAFETY_BOMB_RATIO.format(part=info.filename, ratio=info.file_size // info.compress_size,
                                          limit=safety.MAX_RATIO)


def _too_large(file: str, rows: int, cols: int, corner: str) -> str:
    return _refused("sheet_too_large", file, sheet=_SHEET_NAME, corner=corner, rows=rows, cols=cols,
                    max_rows=safety.MAX_SHEET_ROWS, max_cells=safety.MAX_SHEET_CELLS)


# --- not a workbook at all ---------------------------------------------------------------------------

@_case(SAFETY)
def zero_byte(file):
    return b"", _refused("empty", file), "empty"


@_case(SAFETY)
def blank_text(file):
    return b"\r\n   \r\n", _refused("not_xlsx", file), "not_xlsx"


@_case(SAFETY)
def random_bytes(file):
    data = b"\x7f" + random.Random(7).randbytes(4095)  # never a zip or OLE2 signature
    return data, _refused("not_xlsx", file), "not_xlsx"


@_case(SAFETY)
def csv_renamed(file):
    data = "日期,类型,主题\r\n2022-03-15,集中学习,学习党章\r\n".encode("utf-8-sig")
    return data, _refused("not_xlsx", file), "not_xlsx"


@_case(SAFETY)
def html_renamed(file):
    data = "<html><body><table><tr><td>日期</td><td>类型</td></tr></table></body></html>".encode()
    return data, _refused("not_xlsx", file), "not_xlsx"


@_case(SAFETY)
def xls_renamed(file):
    return safety.OLE2_MAGIC + bytes(504), _refused("ole2", file), "ole2"


@_case(SAFETY)
def encrypted_workbook(file):
    # An Office file with an open password is an OLE2 container holding "EncryptedPackage".
    data = safety.OLE2_MAGIC + bytes(120) + "EncryptedPackage".encode("utf-16-le") + bytes(360)
    return data, _refused("ole2", file), "ole2"


@_case(SAFETY)
def too_big(file):
    noise = random.Random(1).randbytes(safety.MAX_FILE_BYTES)  # incompressible: stored as is
    data = _zip(_parts(sheet_xml(cell("A1"))) + [_Part("xl/media/image1.png", noise, len(noise),
                                                         zlib.crc32(noise), method=0)])
    return data, _refused("too_big", file, size=_mb(len(data)), limit=_mb(safety.MAX_FILE_BYTES)), "too_big"


# --- zips that are not sound workbooks ------------------------------------------------------------------

@_case(SAFETY)
def truncated_zip(file):
    data = workbook_bytes(cell("A1"))
    return data[: len(data) // 2], _refused("corrupt", file), "corrupt"


@_case(SAFETY)
def crc_mismatch(file):
    parts = _parts(sheet_xml(cell("A1")))
    parts[-1].crc ^= 1
    return _zip(parts), _refused("corrupt", file), "corrupt"


@_case(SAFETY)
def duplicate_parts(file):
    parts = _parts(sheet_xml(cell("A1")))
    return _zip(parts + [_part("xl/worksheets/sheet1.xml", sheet_xml(cell("XFD1048576")))]), \
        _refused("corrupt", file), "corrupt"


@_case(SAFETY)
def empty_zip(file):
    return _zip([]), _refused("not_workbook", file, part="[Content_Types].xml"), "not_workbook"


@_case(SAFETY)
def zip_not_workbook(file):
    return _zip([_part("readme.txt", "台账说明")]), \
        _refused("not_workbook", file, part="[Content_Types].xml"), "not_workbook"


FILES = Path(__file__).resolve().parent / "files"


def _other_format(file: str, code: str) -> str:
    name, advice = texts.SAFETY_FORMATS[code]
    return _refused("other_format", file, format=name, advice=advice)


@_case(SAFETY)
def ods_renamed(file):
    # data/samples/2025-03.xlsx saved by LibreOffice as .ods (tests/files/make_files.py).
    return (FILES / "2025-03.ods").read_bytes(), _other_format(file, "ods"), "other_format"


@_case(SAFETY)
def xlsb_renamed(file):
    # The parts of an Excel binary workbook (.xlsb): binary workbook and sheet parts.
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>')
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
    parts = [_part("[Content_Types].xml", types), _part("_rels/.rels", rels), _part("xl/workbook.bin", bytes(64)),
             _part("xl/_rels/workbook.bin.rels", rels), _part("xl/worksheets/sheet1.bin", bytes(64))]
    return _zip(parts), _other_format(file, "xlsb"), "other_format"


@_case(SAFETY)
def numbers_renamed(file):
    # The parts of an Apple Numbers document: IWA archives under Index/, metadata, a preview.
    parts = [_part("Index/Document.iwa", bytes(64)), _part("Index/Metadata.iwa", bytes(32)),
             _part("Metadata/Properties.plist", b"bplist00"), _part("preview.jpg", b"\xff\xd8\xff")]
    return _zip(parts), _other_format(file, "numbers"), "other_format"


@_case(SAFETY)
def docx_renamed(file):
    parts = [_part("[Content_Types].xml", _CT.replace("spreadsheetml.sheet.main", "wordprocessingml.document.main")),
             _part("word/document.xml", "<w:document/>")]
    return _zip(parts), _refused("not_workbook", file, part="xl/workbook.xml"), "not_workbook"


@_case(SAFETY)
def macros(file):
    data = _zip(_parts(sheet_xml(cell("A1"))) + [_part("xl/vbaProject.bin", safety.OLE2_MAGIC + bytes(504))])
    return data, _refused("macros", file), "macros"


@_case(SAFETY)
def ods_inside(file):
    # calamine falls back to the OpenDocument reader when the xlsx parts do not parse.
    data = _zip(_parts(sheet_xml(cell("A1"))) + [_part("content.xml", "<office:document-content/>")])
    return data, _refused("nonstandard", file, part="content.xml"), "nonstandard"


@_case(SAFETY)
def bzip2_part(file):
    parts = _parts(sheet_xml(cell("A1")))
    parts[-1].method = 12
    return _zip(parts), _refused("nonstandard", file, part="xl/worksheets/sheet1.xml"), "nonstandard"


@_case(SAFETY)
def utf16_sheet(file):
    sheet = sheet_xml(cell("A1")).replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    return sheet_bytes(sheet), _refused("nonstandard", file, part=_SHEET_NAME), "nonstandard"


# --- decompression bombs -------------------------------------------------------------------------------

_BOMB_BLOCK = b"<row><c><v>1</v></c></row>" * (2**20 // 26)
_BOMB_BLOCKS = 348  # ~348 MB of sheet XML


def _bomb_part(declared: int | None = None) -> _Part:
    """A sheet inflating to ~348 MB from ~0.4 MB: one 1 MiB block deflated once (a full flush
    makes it self-contained) and repeated."""
    head = sheet_xml("").partition("<sheetData>")
    prefix, suffix = (head[0] + head[1]).encode(), head[2].encode()
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    start = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(_BOMB_BLOCK) + c.flush(zlib.Z_FULL_FLUSH)
    stream = start + block * _BOMB_BLOCKS + c.compress(suffix) + c.flush()
    crc = zlib.crc32(prefix)
    for _ in range(_BOMB_BLOCKS):
        crc = zlib.crc32(_BOMB_BLOCK, crc)
    size = len(prefix) + len(_BOMB_BLOCK) * _BOMB_BLOCKS + len(suffix)
    return _Part("xl/worksheets/sheet1.xml", stream, declared or size, zlib.crc32(suffix, crc))


@_case(SAFETY)
def bomb_348mb(file):
    data = sheet_bytes(_bomb_part())
    return data, _bomb(file, _ratio_reason(data)), "bomb"


@_case(SAFETY)
def bomb_lying_header(file):
    # The headers declare 100 KB; the stream inflates to 348 MB.
    reason = texts.SAFETY_BOMB_OVERFLOW.format(part="xl/worksheets/sheet1.xml", size=_mb(100_000))
    return sheet_bytes(_bomb_part(declared=100_000)), _bomb(file, reason), "bomb"


@_case(SAFETY)
def bomb_ratio(file):
    # 20 MB of blanks in a sound sheet: under the total limit, but a ratio of ~1000.
    sheet = sheet_xml(cell("A1")).replace("<sheetData>", " " * 20 * 2**20 + "<sheetData>")
    data = sheet_bytes(sheet)
    return data, _bomb(file, _ratio_reason(data)), "bomb"


@_case(SAFETY)
def many_parts(file):
    pads = [_part(f"xl/media/pad{i}.txt", "x") for i in range(safety.MAX_ENTRIES)]
    data = _zip(_parts(sheet_xml(cell("A1"))) + pads)
    reason = texts.SAFETY_BOMB_ENTRIES.format(entries=len(zipfile.ZipFile(io.BytesIO(data)).infolist()),
                                              limit=safety.MAX_ENTRIES)
    return data, _bomb(file, reason), "bomb"


@_case(SAFETY)
def many_strings(file):
    # calamine keeps every shared string in memory; numbered so that the ratio stays ordinary.
    n = safety.MAX_SHARED_STRINGS + 1
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="{n}" uniqueCount="{n}">'
               + "".join(f"<si><t>{i}</t></si>" for i in range(n)) + "</sst>")
    data = workbook_bytes(f'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=strings)
    return data, _refused("too_many_strings", file, limit=safety.MAX_SHARED_STRINGS), "too_many_strings"


# --- XML entity attacks ----------------------------------------------------------------------------------

_LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS_DTD = f'<!DOCTYPE sst [<!ENTITY lol0 "lol">{_LAUGHS}]>'


@_case(SAFETY)
def billion_laughs(file):
    strings = (f'<?xml version="1.0" encoding="UTF-8"?>{BILLION_LAUGHS_DTD}'
               f'<sst xmlns="{_MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return workbook_bytes(rows, shared_strings=strings), _refused("unsafe_xml", file), "unsafe_xml"


@_case(SAFETY)
def quadratic_blowup(file):
    prolog = f'<!DOCTYPE workbook [<!ENTITY a "{"a" * 50_000}">]>'
    workbook = workbook_xml(prolog, sheet_name="&a;" * 2000)
    return workbook_bytes(cell("A1"), workbook=workbook), _refused("unsafe_xml", file), "unsafe_xml"


@_case(SAFETY)
def external_entity(file):
    prolog = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    sheet = sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>', prolog)
    return sheet_bytes(sheet), _refused("unsafe_xml", file), "unsafe_xml"


# --- sheets that would make the reader allocate without bound -------------------------------------------

_FAR = f"XFD{safety.GRID_ROWS}"  # the last cell of Excel's grid


@_case(SAFETY)
def far_cell_only(file):
    rows = f'<row r="{safety.GRID_ROWS}">{cell(_FAR)}</row>'
    return workbook_bytes(rows), _too_large(file, safety.GRID_ROWS, safety.GRID_COLUMNS, _FAR), "sheet_too_large"


@_case(SAFETY)
def far_cell_pair(file):
    # calamine #693: A1 and XFD1048576 make it request 550 GB and abort the process.
    rows = f'<row r="1">{cell("A1")}</row><row r="{safety.GRID_ROWS}">{cell(_FAR)}</row>'
    sheet = sheet_xml(rows).replace("<sheetData>", f'<dimension ref="A1:{_FAR}"/><sheetData>')
    return sheet_bytes(sheet), _too_large(file, safety.GRID_ROWS, safety.GRID_COLUMNS, _FAR), "sheet_too_large"


@_case(SAFETY)
def far_cell_no_refs(file):
    # Cells without r: calamine places them by the row's r and the running column counter.
    rows = f'<row r="1">{cell("A1")}</row><row r="{safety.GRID_ROWS}"><c><v>1</v></c><c><v>2</v></c></row>'
    return workbook_bytes(rows), _too_large(file, safety.GRID_ROWS, 2, f"B{safety.GRID_ROWS}"), "sheet_too_large"


@_case(SAFETY)
def far_cell_prefixed(file):
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{_MAIN}"><x:sheetData>'
             f'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
             f'<x:row r="{safety.GRID_ROWS}"><x:c r="{_FAR}"><x:v>1</x:v></x:c></x:row>'
             "</x:sheetData></x:worksheet>")
    return sheet_bytes(sheet), _too_large(file, safety.GRID_ROWS, safety.GRID_COLUMNS, _FAR), "sheet_too_large"


@_case(SAFETY)
def far_cell_quoted_gt(file):
    # A ">" inside a quoted value hides r from a naive tag regex; quick-xml still reads it.
    rows = f'<row r="1">{cell("A1")}</row><row r="{safety.GRID_ROWS}"><c s="0" cm=">" r="{_FAR}"><v>1</v></c></row>'
    return workbook_bytes(rows), _too_large(file, safety.GRID_ROWS, safety.GRID_COLUMNS, _FAR), "sheet_too_large"


@_case(SAFETY)
def far_cell_second_r(file):
    # A second r attribute: calamine keeps the last one (and aborts); the first looks harmless.
    rows = f'<row r="1">{cell("A1")}</row><row r="2"><c r="A2" r="{_FAR}"><v>1</v></c></row>'
    return workbook_bytes(rows), _refused("nonstandard", file, part=_SHEET_NAME), "nonstandard"


@_case(SAFETY)
def cell_out_of_grid(file):
    rows = f'<row r="1">{cell("A1")}</row><row r="2">{cell("XFE2")}</row>'
    return workbook_bytes(rows), _refused("out_of_grid", file, sheet=_SHEET_NAME), "out_of_grid"


@_case(SAFETY)
def row_out_of_grid(file):
    rows = f'<row r="{safety.GRID_ROWS + 1}">{cell(f"A{safety.GRID_ROWS + 1}")}</row>'
    return workbook_bytes(rows), _refused("out_of_grid", file, sheet=_SHEET_NAME), "out_of_grid"


@_case(SAFETY)
def rows_1048576(file):
    # Every row of the grid filled (a formula or value dragged down to the end of the sheet).
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, safety.GRID_ROWS + 1))
    return workbook_bytes(rows), _too_large(file, safety.GRID_ROWS, 1, f"A{safety.GRID_ROWS}"), "sheet_too_large"


@_case(SAFETY)
def merged_rows(file):
    # The reader fills merged ranges cell by cell: six ranges of 199,999 rows each.
    last = safety.MAX_SHEET_ROWS
    merges = "".join(f'<mergeCell ref="{c}2:{c}{last}"/>' for c in "BCDEFG")
    sheet = sheet_xml(f'<row r="1">{cell("A1")}</row>', tail=f'<mergeCells count="6">{merges}</mergeCells>')
    return sheet_bytes(sheet), _refused("merges_too_large", file, sheet=_SHEET_NAME, cells=6 * (last - 1),
                                         max_cells=safety.MAX_MERGED_CELLS), "merges_too_large"


@_case(SAFETY)
def many_sheets(file):
    # Each sheet within the limits (A1:XFD183, 2,998,272 cells), all of them together not.
    last_row = safety.MAX_SHEET_CELLS // safety.GRID_COLUMNS
    cells = last_row * safety.GRID_COLUMNS
    n, corner = safety.MAX_WORKBOOK_CELLS // cells + 1, f"XFD{last_row}"
    sheets = "".join(f'<sheet name="表{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, n + 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, n + 1))
    parts = [_part("[Content_Types].xml", _CT), _part("_rels/.rels", _ROOT_RELS),
             _part("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" '
                   f'xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'),
             _part("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?>'
                   f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>')]
    sheet = sheet_xml(f'<row r="1">{cell("A1")}</row><row r="{last_row}">{cell(corner)}</row>')
    parts += [_part(f"xl/worksheets/sheet{i}.xml", sheet) for i in range(1, n + 1)]
    return _zip(parts), _refused("workbook_too_large", file, cells=cells * n, max_cells=safety.MAX_WORKBOOK_CELLS), \
        "workbook_too_large"


# --- sound workbooks with wrong content (refused by the reader) ----------------------------------------

_VALID = {
    "study": {"date": date(2022, 3, 15), "type": schema.STUDY_TYPES[0], "topic": "学习党章",
              "expected": 10, "present": 9},
    "volunteer": {"date": date(2022, 3, 15), "name": "张三", "activity": "社区清扫", "hours": 2},
}


def _prefix(template: str, **fields) -> str:
    """``template`` formatted up to its first field not given (the rest depends on the reader)."""
    out = []
    for literal, field, spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if field is None:
            continue
        if field not in fields:
            break
        out.append(format(fields[field], spec or ""))
    return "".join(out)


def _register(file: str, register_key: str, bad: dict, template: str, column_key: str, keys=None, **fields):
    """A register sheet with two rows, the second (Excel row 3) holding ``bad`` values."""
    reg = schema.REGISTERS[register_key]
    rows = register_rows(register_key, [_VALID[register_key], {**_VALID[register_key], **bad}], keys=keys)
    col = reg.column(column_key)
    where = texts.READER_WHERE.format(file=file, sheet=reg.name, row=3)
    value = bad.get(column_key)
    message = _prefix(template, where=where, column=col.label, value=value, **fields)
    return xlsx_bytes({reg.name: rows}), message, "invalid"


@_case(READER)
def empty_workbook(file):
    data = xlsx_bytes({"Sheet1": []})
    return data, _prefix(texts.READER_NO_REGISTER, file=file), "invalid"


@_case(READER)
def no_known_sheet(file):
    data = xlsx_bytes({"Sheet1": [["编号", "金额"], [1, 100]]})
    return data, _prefix(texts.READER_NO_REGISTER, file=file), "invalid"


@_case(READER)
def missing_column(file):
    keys = [c.key for c in schema.STUDY.required if c.key != "type"]
    rows = register_rows("study", [_VALID["study"]], keys=keys)
    message = _prefix(texts.READER_MISSING_COLUMNS, file=file, sheet=schema.STUDY.name,
                      columns=f"「{schema.STUDY.column('type').label}」")
    return xlsx_bytes({schema.STUDY.name: rows}), message, "invalid"


@_case(READER)
def bad_date(file):
    return _register(file, "study", {"date": "2022-13-45"}, texts.READER_UNRECOGNISED, "date")


@_case(READER)
def unknown_type(file):
    return _register(file, "study", {"type": "跳舞"}, texts.READER_UNRECOGNISED, "type")


@_case(READER)
def text_in_number(file):
    return _register(file, "study", {"expected": "十人"}, texts.READER_UNRECOGNISED, "expected")


@_case(READER)
def present_above_expected(file):
    expected = _VALID["study"]["expected"]
    return _register(file, "study", {"present": expected + 2}, texts.READER_ABOVE, "present",
                     other=schema.STUDY.column("expected").label, other_value=expected)


@_case(READER)
def negative_hours(file):
    return _register(file, "volunteer", {"hours": -2}, texts.READER_OUT_OF_RANGE, "hours")


@_case(READER)
def hours_25(file):
    return _register(file, "volunteer", {"hours": 25}, texts.READER_OUT_OF_RANGE, "hours")


@_case(READER)
def formula_cell(file):
    # openpyxl writes the formula without a cached value: the reader sees an empty required cell.
    return _register(file, "volunteer", {"hours": "=1+1"}, texts.READER_REQUIRED, "hours")


def main(argv: list[str]) -> int:
    for case in build_corpus(argv[1] if len(argv) > 1 else "bad-inputs"):
        print(f"{case.stage:7} {case.code:18} {case.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
