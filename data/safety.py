"""File safety: refuse a hostile or broken upload from its bytes, before any parser sees it.

``check_workbook_bytes(data, file_name)`` returns None or raises ``RejectedFile(message, code)``
with one message of a fixed catalogue (``SAFETY_MESSAGES``: code -> template in data/texts.py).
It trusts neither the file name nor the sizes a zip declares. In order:

1. bytes: not empty, at most MAX_FILE_BYTES, not OLE2 (.xls, or a workbook with an open
   password), zip magic;
2. zip directory: readable, at most MAX_ENTRIES parts, no duplicate names, not another
   spreadsheet format (.ods, .xlsb, .numbers: named, with how to save as .xlsx), ``[Content_Types].xml``
   and ``xl/workbook.xml`` present, no ``vbaProject.bin`` (macros), no part of the formats
   calamine falls back to when the xlsx parts do not parse (``content.xml``, ``xl/workbook.bin``),
   stored or deflated parts only, declared total at most MAX_UNCOMPRESSED_BYTES, declared ratio at
   most MAX_RATIO;
3. every part is inflated here (zlib, in chunks, never past its declared size: a part that inflates
   further is a bomb; one that ends short or fails its CRC is corrupt). The XML parts a parser
   reads (content types, workbook, relationships, shared strings, styles, sheets, tables) must be
   ASCII-compatible and carry no DTD (``<!DOCTYPE``, ``<!ENTITY``: billion laughs, quadratic
   blowup, external entities), which no Excel or WPS file has; at most MAX_SHARED_STRINGS shared
   strings (calamine holds them all);
4. every worksheet part is scanned for its cells, to bound what the reader will allocate.

Why step 4. calamine (python-calamine 0.9.1 bundles calamine 0.37) turns a sheet into a dense
``rows x columns`` array spanning its non-empty cells (``Range::from_sparse``), 32 bytes a cell;
the ``<dimension>`` element is only a capacity hint (and only below 100,000 cells), so it says
nothing. Two cells, A1 and XFD1048576, make it request 550 GB: the process aborts (calamine
#693, #433; fastexcel #487) and no ``try`` catches that. openpyxl/pandas build the grid from A1.
So the box measured here runs from A1 to the farthest non-empty cell (``<c …/>`` is empty, any
other ``<c>`` counts as non-empty) and a sheet is refused when it leaves Excel's grid, or has more
than MAX_SHEET_ROWS rows or MAX_SHEET_CELLS cells; all sheets together, MAX_WORKBOOK_CELLS. The
reader fills merged ranges cell by cell, so their area is bounded too (MAX_MERGED_CELLS).

Fast path: numpy over the inflated chunks (~0.2 s of CPU for a 100,000 x 8 register; a Python
regex costs ~1 µs a cell), exact when every ``<c`` tag is plain: ``<c r="B7" …>``, r first and
only once (calamine keeps the last r), double quotes, as Excel, WPS, LibreOffice, openpyxl and
XlsxWriter write it. Any other sheet (cells without ``r``, prefixed names, other spacing, ``>``
inside a quoted value) is read again with expat, following calamine's own position rules (``r``
if present, else the row and column counters), for at most MAX_EXACT_ELEMENTS elements (~2 µs
each); what expat cannot parse is refused. The whole sheet is always read, so a message never
depends on where the chunks fall.
"""

from __future__ import annotations

import io
import re
import string
import struct
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from typing import TYPE_CHECKING

from data import texts
from data.errors import RejectedFile

if TYPE_CHECKING:  # numpy and openpyxl load when a sheet is scanned: a refusal of the container needs neither
    import numpy as np

# Limits. A legitimate 100,000-row x 8-column register is ~4.4 MB zipped, ~36 MB unzipped,
# ratio ~8, and 800,000 cells.
MAX_FILE_BYTES = 20 * 2**20  # the upload itself
MAX_ENTRIES = 2_000  # parts in the zip
MAX_UNCOMPRESSED_BYTES = 128 * 2**20  # all parts together, declared and actual
MAX_RATIO = 100  # uncompressed / compressed, for a part over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2**20
CORRUPT_SLACK = 2**20  # a part inflating at most this far past its declared size is corrupt, not a bomb
GRID_ROWS, GRID_COLUMNS = 1_048_576, 16_384  # Excel's grid: A1:XFD1048576
MAX_SHEET_ROWS = 200_000  # rows from row 1 to the last non-empty cell
MAX_SHEET_CELLS = 3_000_000  # rows x columns from A1 (calamine: 32 bytes each, ~96 MB)
MAX_WORKBOOK_CELLS = 6_000_000  # the boxes of all sheets together
MAX_SHARED_STRINGS = 1_000_000  # calamine keeps them all in memory (~40 bytes each at least)
MAX_MERGED_CELLS = 1_000_000  # cells covered by a sheet's merged ranges (the reader fills them)
MAX_EXACT_ELEMENTS = 1_000_000  # elements the expat scan of a non-plain sheet reads (≤ ~2 s)

SAFETY_MESSAGES: dict[str, str] = {
    "empty": texts.SAFETY_EMPTY,
    "too_big": texts.SAFETY_TOO_BIG,
    "ole2": texts.SAFETY_OLE2,
    "not_xlsx": texts.SAFETY_NOT_XLSX,
    "corrupt": texts.SAFETY_CORRUPT,
    "not_workbook": texts.SAFETY_NOT_WORKBOOK,
    "other_format": texts.SAFETY_OTHER_FORMAT,
    "macros": texts.SAFETY_MACROS,
    "bomb": texts.SAFETY_BOMB,
    "unsafe_xml": texts.SAFETY_UNSAFE_XML,
    "nonstandard": texts.SAFETY_NONSTANDARD,
    "out_of_grid": texts.SAFETY_OUT_OF_GRID,
    "sheet_too_large": texts.SAFETY_SHEET_TOO_LARGE,
    "workbook_too_large": texts.SAFETY_WORKBOOK_TOO_LARGE,
    "merges_too_large": texts.SAFETY_MERGES_TOO_LARGE,
    "too_many_strings": texts.SAFETY_TOO_MANY_STRINGS,
}

OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# Parts of other formats calamine falls back to when the xlsx parts do not parse (ods, xlsb).
FOREIGN_PARTS = ("content.xml", "xl/workbook.bin")
_SHARED_STRINGS = "xl/sharedstrings.xml"  # the path calamine reads (case-insensitively)
_SHEET_FOLDERS = ("xl/worksheets/", "xl/dialogsheets/", "xl/chartsheets/", "xl/macrosheets/")
# Parts a parser reads (calamine: workbook, relationships, shared strings, styles, sheets, tables;
# openpyxl for backups also the content types): their XML content is policed.
_PARSED_PARTS = ("[content_types].xml", "xl/workbook.xml", _SHARED_STRINGS, "xl/styles.xml")
_PARSED_FOLDERS = ("xl/tables/",)
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
_OVERLAP = 8  # longest DTD mark minus one: the tail of a chunk searched again with the next
_IN_CHUNK = 256 * 1024
_OUT_CHUNK = 1024 * 1024
_MAX_TAG_BYTES = 64 * 1024  # an unfinished tag longer than this is not plain

_PAD = 32  # zero bytes after a scanned buffer, so that fixed offsets past a tag stay inside
_REF_WIDTH = 12  # bytes read after r=": up to 3 letters, 7 digits, the closing quote


@lru_cache(maxsize=1)
def _byte_classes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables over byte values: (ends a tag name: XML blanks, "/" and ">"; may precede an
    attribute name (quick-xml is lenient); may end the attribute name r)."""
    import numpy as np

    tables = []
    for members in (b" \t\r\n/>", b" \t\r\n\"'", b" \t\r\n="):
        table = np.zeros(256, dtype=bool)
        table[list(members)] = True
        tables.append(table)
    return tuple(tables)
# A shared string's start tag: <si …>, and with a prefix, <x:si …> (a slower search, done only
# where ":si" occurs).
_STRING_TAG = re.compile(rb"<si[\t\n\r />]")
_ANY_STRING_TAG = re.compile(rb"[<:]si[\t\n\r />]")
# A prefixed cell tag (<x:c …>): not plain.
_PREFIXED_CELL = re.compile(rb":c[\t\n\r />]")
# Merged ranges: any <mergeCell> tag, and the plain form <mergeCell ref="A1:B2"/>.
_ANY_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell[\s/>]")
_PLAIN_MERGE = re.compile(
    rb'<(?:[A-Za-z_][\w.\-]*:)?mergeCell ref="([A-Za-z]{1,3})([0-9]{1,7})(?::([A-Za-z]{1,3})([0-9]{1,7}))?"\s*/?>'
)


class _Refusal(Exception):
    def __init__(self, code: str, **fields):
        super().__init__(code)
        self.code = code
        self.fields = fields


def check_workbook_bytes(data: bytes, file_name: str) -> None:
    """Refuse (``RejectedFile``) anything that is not a plain, bounded .xlsx workbook."""
    try:
        _check(data)
    except _Refusal as refusal:
        message = SAFETY_MESSAGES[refusal.code].format(file=file_name, **refusal.fields)
        raise RejectedFile(message, refusal.code) from None


def _bomb(reason: str) -> _Refusal:
    return _Refusal("bomb", reason=reason)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def check_container(data: bytes, file_name: str) -> None:
    """The part of ``check_workbook_bytes`` that reads only the zip's directory and a few small
    parts (no inflating of sheets, no numpy): an empty file, a CSV or web page, another format, a
    corrupt zip, macros. Cheap, so that a command can refuse such a file before loading pandas.
    An OLE2 file (.xls) passes: it is read in the sandbox."""
    if data[:8] == OLE2_MAGIC:
        return
    try:
        _container(data)
    except _Refusal as refusal:
        message = SAFETY_MESSAGES[refusal.code].format(file=file_name, **refusal.fields)
        raise RejectedFile(message, refusal.code) from None


def _container(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo], list[str]]:
    zf, infos, names = _directory(data)
    other = _other_format(zf, infos, names)
    if other:
        raise _Refusal("other_format", format=texts.SAFETY_FORMATS[other][0], advice=texts.SAFETY_FORMATS[other][1])
    for part in REQUIRED_PARTS:
        if part.lower() not in names:
            raise _Refusal("not_workbook", part=part)
    if any(n.rpartition("/")[2] == "vbaproject.bin" for n in names):
        raise _Refusal("macros")
    for part in FOREIGN_PARTS:
        if part in names:
            raise _Refusal("nonstandard", part=part)
    return zf, infos, names


def _check(data: bytes) -> None:
    zf, infos, names = _container(data)
    _declared_bounds(infos)

    view = memoryview(data)
    sheets = [(i, n) for i, n in zip(infos, names) if n.startswith(_SHEET_FOLDERS)]
    for info, name in zip(infos, names):
        if not name.startswith(_SHEET_FOLDERS):
            _verify(view, info, _parser_reads(name), count_strings=name == _SHARED_STRINGS)
    total = 0
    for info, _name in sheets:
        try:
            rows, cols = _sheet_extent(view, info)
        except _Refusal as refusal:
            refusal.fields = {k: _sheet_name(zf, info) if v is _SHEET else v for k, v in refusal.fields.items()}
            raise
        total += rows * cols
        if total > MAX_WORKBOOK_CELLS:
            raise _Refusal("workbook_too_large", cells=total, max_cells=MAX_WORKBOOK_CELLS)


def _directory(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo], list[str]]:
    """The zip's directory (normalised names too), for bytes of a bounded size that are a zip."""
    if not data:
        raise _Refusal("empty")
    if len(data) > MAX_FILE_BYTES:
        raise _Refusal("too_big", size=_mb(len(data)), limit=_mb(MAX_FILE_BYTES))
    if data[:8] == OLE2_MAGIC:
        raise _Refusal("ole2")
    if data[:4] not in _ZIP_MAGICS:
        raise _Refusal("not_xlsx")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error):
        raise _Refusal("corrupt") from None
    if len(infos) > MAX_ENTRIES:
        raise _bomb(texts.SAFETY_BOMB_ENTRIES.format(entries=len(infos), limit=MAX_ENTRIES))
    names = [_normal(i.filename) for i in infos]
    if len(set(names)) != len(names):
        raise _Refusal("corrupt")
    return zf, infos, names


def _declared_bounds(infos: list[zipfile.ZipInfo]) -> None:
    """Stored or deflated parts only, each within MAX_RATIO, all within MAX_UNCOMPRESSED_BYTES."""
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
            raise _Refusal("nonstandard", part=info.filename)
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * info.compress_size:
            raise _bomb(texts.SAFETY_BOMB_RATIO.format(
                part=info.filename, ratio=info.file_size // max(info.compress_size, 1), limit=MAX_RATIO))
    if (total := sum(i.file_size for i in infos)) > MAX_UNCOMPRESSED_BYTES:
        raise _bomb(texts.SAFETY_BOMB_TOTAL.format(size=_mb(total), limit=_mb(MAX_UNCOMPRESSED_BYTES)))


# --- Word drafts ------------------------------------------------------------------------------------

DOCX_REQUIRED_PART = "word/document.xml"
MAX_DOCX_XML_BYTES = 16 * 2**20  # one XML part docxtpl renders (a 300-page report: ~5 MB)


def check_docx_bytes(data: bytes, file_name: str) -> None:
    """Refuse (``RejectedFile``) a Word draft the same way as a workbook before any parser sees it:
    size, zip directory, entries, compression ratio, declared and actual inflation of every part,
    and the XML parts docxtpl renders (content types, relationships, word/*.xml) ASCII-compatible,
    without DTD and at most MAX_DOCX_XML_BYTES each. Messages: REPORT_TEMPLATE_* in data/texts.py."""
    try:
        zf, infos, names = _directory(data)
        if DOCX_REQUIRED_PART not in names:
            raise _Refusal("not_docx")
        _declared_bounds(infos)
        view = memoryview(data)
        for info, name in zip(infos, names):
            rendered = _docx_renders(name)
            if rendered and info.file_size > MAX_DOCX_XML_BYTES:
                raise _bomb(texts.SAFETY_BOMB_PART.format(part=info.filename, size=_mb(info.file_size),
                                                          limit=_mb(MAX_DOCX_XML_BYTES)))
            _verify(view, info, rendered)
    except _Refusal as refusal:
        if refusal.code == "too_big":
            message = texts.REPORT_TEMPLATE_TOO_BIG.format(file=file_name, limit=_mb(MAX_FILE_BYTES))
        elif refusal.code == "bomb":
            message = texts.REPORT_TEMPLATE_BOMB.format(file=file_name, **refusal.fields)
        elif refusal.code == "unsafe_xml":
            message = texts.REPORT_TEMPLATE_UNSAFE.format(file=file_name)
        else:
            message = texts.REPORT_TEMPLATE_NOT_DOCX.format(file=file_name)
        raise RejectedFile(message, refusal.code) from None


def _docx_renders(name: str) -> bool:
    return name == "[content_types].xml" or name.endswith(".rels") or (
        name.startswith("word/") and name.endswith(".xml"))


def _other_format(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], names: list[str]) -> str | None:
    """"ods", "xlsb" or "numbers" for a spreadsheet of another format (a zip too), else None."""
    if "mimetype" in names:
        info = infos[names.index("mimetype")]
        if info.file_size <= 256 and info.compress_type == zipfile.ZIP_STORED:
            try:
                if zf.read(info).startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                    return "ods"
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error):
                return None
    if "xl/workbook.bin" in names and "xl/workbook.xml" not in names:
        return "xlsb"
    if "index.zip" in names or any(n.startswith("index/") and n.endswith(".iwa") for n in names):
        return "numbers"
    return None


def _parser_reads(name: str) -> bool:
    """Whether a (normalised) part is one a parser reads: its XML content is then policed (ASCII-
    compatible, no DTD). Other parts (customXml items, often UTF-16 with a BOM as WPS 金山文档 and
    SharePoint write them, custom properties, comments, drawings) only get the size, ratio, count,
    inflation and CRC checks every part gets."""
    return name in _PARSED_PARTS or name.endswith(".rels") or name.startswith(_PARSED_FOLDERS)


def _normal(name: str) -> str:
    """A part name as compared here: lower case, forward slashes, no leading slash."""
    return name.replace("\\", "/").lstrip("/").lower()


# --- inflating parts ------------------------------------------------------------------------------

def _inflate(view: memoryview, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks, inflated here, never more than its declared size; the size and
    CRC are checked at the end."""
    off = info.header_offset
    header = bytes(view[off:off + 30])
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _Refusal("corrupt")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = off + 30 + name_len + extra_len
    end = start + info.compress_size
    if end > len(view):
        raise _Refusal("corrupt")
    produced, crc, over = 0, 0, False
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise _Refusal("corrupt")
        for pos in range(start, end, _OUT_CHUNK):
            chunk = bytes(view[pos:min(pos + _OUT_CHUNK, end)])
            produced += len(chunk)
            crc = zlib.crc32(chunk, crc)
            yield chunk
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pos = start
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    chunk = inflater.decompress(inflater.unconsumed_tail, _OUT_CHUNK)
                elif pos < end:
                    chunk = inflater.decompress(view[pos:min(pos + _IN_CHUNK, end)], _OUT_CHUNK)
                    pos += _IN_CHUNK
                else:
                    break
                produced += len(chunk)
                if produced > info.file_size:
                    # The header lies. A stream that ends within CORRUPT_SLACK past the declared
                    # size is a damaged file; one that goes on is a bomb. Nothing past the declared
                    # size is ever handed on.
                    over = True
                    if produced > info.file_size + CORRUPT_SLACK:
                        raise _bomb(texts.SAFETY_BOMB_OVERFLOW.format(part=info.filename, size=_mb(info.file_size)))
                    continue
                if chunk:
                    crc = zlib.crc32(chunk, crc)
                    yield chunk
        except zlib.error:
            raise _Refusal("corrupt") from None
        if not inflater.eof or over:
            raise _Refusal("corrupt")
    if produced != info.file_size or crc != info.CRC:
        raise _Refusal("corrupt")


class _XmlGuard:
    """Checks an XML part chunk by chunk: ASCII-compatible (no NUL byte: rules out UTF-16/32),
    starts with "<" (after a UTF-8 BOM and blanks), and has no DTD."""

    def __init__(self, part: str):
        self.part, self.tail, self.first = part, b"", True

    def feed(self, chunk: bytes) -> None:
        if self.first:
            head = chunk.removeprefix(b"\xef\xbb\xbf").lstrip()
            if head and not head.startswith(b"<"):
                raise _Refusal("nonstandard", part=self.part)
            self.first = not head
        if b"\x00" in chunk:
            raise _Refusal("nonstandard", part=self.part)
        seam = self.tail + chunk[:_OVERLAP]
        # "!" is rare in XML and memchr-fast: search the marks only where there is one.
        if (b"!" in chunk or b"!" in seam) and any(mark in chunk or mark in seam for mark in _DTD_MARKS):
            raise _Refusal("unsafe_xml")
        self.tail = chunk[-_OVERLAP:]


def _verify(view: memoryview, info: zipfile.ZipInfo, is_xml: bool, count_strings: bool = False) -> None:
    guard = _XmlGuard(info.filename) if is_xml else None
    strings, tail = 0, b""
    for chunk in _inflate(view, info):
        if guard:
            guard.feed(chunk)
        if count_strings:  # a tag cut by a chunk boundary is counted with the next chunk
            buf = tail + chunk
            strings += len((_ANY_STRING_TAG if b":si" in buf else _STRING_TAG).findall(buf))
            tail = chunk[-3:]
            if strings > MAX_SHARED_STRINGS:
                raise _Refusal("too_many_strings", limit=MAX_SHARED_STRINGS)


# --- sheet extent ---------------------------------------------------------------------------------

_SHEET = object()  # placeholder for the sheet name, filled in by _check


def _sheet_extent(view: memoryview, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(rows, columns) of the box from A1 to the farthest non-empty cell, for a sheet within the
    limits (box and merged cells); the whole sheet is read, so messages do not depend on chunks."""
    scan: _PlainScan | _ExactScan = _PlainScan()
    guard, plain = _XmlGuard(_SHEET), True
    for chunk in _inflate(view, info):
        guard.feed(chunk)
        if not scan.feed(chunk):
            plain = False
            break
    if not (plain and scan.close()):
        scan, guard = _ExactScan(), _XmlGuard(_SHEET)
        for chunk in _inflate(view, info):
            guard.feed(chunk)
            scan.feed(chunk)
        scan.close()
    _check_box(scan.rows, scan.cols)
    _check_merges(scan.merged)
    return scan.rows, scan.cols


def _merge_area(first: tuple[int, int], last: tuple[int, int]) -> int:
    return (abs(last[0] - first[0]) + 1) * (abs(last[1] - first[1]) + 1)


def _check_merges(cells: int) -> None:
    if cells > MAX_MERGED_CELLS:
        raise _Refusal("merges_too_large", sheet=_SHEET, cells=cells, max_cells=MAX_MERGED_CELLS)


def _check_box(rows: int, cols: int) -> None:
    if rows > GRID_ROWS or cols > GRID_COLUMNS:
        raise _Refusal("out_of_grid", sheet=_SHEET)
    if rows > MAX_SHEET_ROWS or rows * cols > MAX_SHEET_CELLS:
        from openpyxl.utils.cell import get_column_letter

        raise _Refusal("sheet_too_large", sheet=_SHEET, corner=f"{get_column_letter(cols)}{rows}",
                       rows=rows, cols=cols, max_rows=MAX_SHEET_ROWS, max_cells=MAX_SHEET_CELLS)


class _PlainScan:
    """Vectorised scan of plain cell tags (numpy over the bytes: a regex costs ~1 µs a cell), and
    a regex one of merged ranges (few).
    ``feed``/``close`` return False as soon as a cell tag is not plain; the caller then rescans
    exactly. A cell is empty when its tag ends in "/>" (the tag's end being certain), non-empty
    otherwise, even with nothing inside (an over-estimate at worst)."""

    def __init__(self):
        self.rows = self.cols = self.merged = 0
        self.carry = b""

    def feed(self, chunk: bytes) -> bool:
        buf = self.carry + chunk if self.carry else chunk
        lt = buf.rfind(b"<")
        # Keep an unfinished last tag for the next chunk (a tag holds no "<").
        cut = lt if lt >= 0 and buf.find(b">", lt) < 0 else len(buf)
        self.carry = buf[cut:]
        return len(self.carry) <= _MAX_TAG_BYTES and self._scan(buf[:cut])

    def close(self) -> bool:
        return self._scan(self.carry)

    def _scan(self, buf: bytes) -> bool:
        if b"mergeCell" in buf:
            merges = _PLAIN_MERGE.findall(buf)
            if len(merges) != len(_ANY_MERGE.findall(buf)):
                return False
            for col1, row1, col2, row2 in merges:
                first = (int(row1), _column(col1.decode()))
                self.merged += _merge_area(first, (int(row2), _column(col2.decode())) if col2 else first)
        import numpy as np
        from numpy.lib.stride_tricks import sliding_window_view

        if _PREFIXED_CELL.search(buf):
            return False  # <x:c …>: a prefixed cell tag
        tag_end = _byte_classes()[0]
        a = np.frombuffer(buf + bytes(_PAD), dtype=np.uint8)
        lts = np.flatnonzero(a == ord("<"))
        starts = lts[a[lts + 1] == ord("c")]
        tags = starts[tag_end[a[starts + 2]]]
        if not tags.size:
            return True
        if not all((a[tags + i] == byte).all() for i, byte in enumerate(b' r="', start=2)):
            return False  # a cell without r, or r not first
        ends = _tag_ends(a, tags, buf)
        if ends is None or _second_r(a, tags, ends):
            return False
        filled = a[ends - 1] != ord("/")  # <c …/> is empty
        box = _refs_box(sliding_window_view(a, _REF_WIDTH)[tags[filled] + 6])
        if box is None:
            return False
        self.rows, self.cols = max(self.rows, box[0]), max(self.cols, box[1])
        return True


def _tag_ends(a: np.ndarray, tags: np.ndarray, buf: bytes) -> np.ndarray | None:
    """Where each tag ends (its first ">"), or None unless that ">" is certainly not inside a
    quoted value: no single quote before it in the tag and an even number of double quotes."""
    import numpy as np

    gts = np.flatnonzero(a == ord(">"))
    found = np.searchsorted(gts, tags)
    if (found == gts.size).any():
        return None
    ends = gts[found]
    # Sums over [tag, end) of each tag (reduceat: the odd segments, end to next tag, are ignored).
    spans = np.empty(2 * tags.size, dtype=np.intp)
    spans[0::2], spans[1::2] = tags, ends
    if (np.add.reduceat((a == ord('"')).view(np.uint8), spans, dtype=np.uint8)[0::2] & 1).any():
        return None  # uint8 sums wrap modulo 256, which keeps the parity
    if b"'" in buf and np.maximum.reduceat((a == ord("'")).view(np.uint8), spans)[0::2].any():
        return None
    return ends


def _second_r(a: np.ndarray, tags: np.ndarray, ends: np.ndarray) -> bool:
    """Whether a cell tag has another attribute named r (calamine keeps the last one: A1 then
    r="XFD1048576" aborts it), or something that may be one: an "r" after a blank or a quote and
    before a blank or "=", inside a cell tag, other than the first attribute."""
    import numpy as np

    _, before_name, after_name = _byte_classes()
    maybe = np.flatnonzero(a == ord("r"))
    maybe = maybe[before_name[a[maybe - 1]] & after_name[a[maybe + 1]]]
    owner = np.searchsorted(tags, maybe, side="right") - 1
    inside = (owner >= 0) & (maybe < ends[owner]) & (maybe != tags[owner] + 3)
    return bool(inside.any())


def _refs_box(refs: np.ndarray) -> tuple[int, int] | None:
    """(largest row, largest column) of cell references, one per row of ``refs`` (the bytes after
    r="); None when one is not 1-3 letters, 1-7 digits and a closing quote."""
    import numpy as np

    n_letters = (((refs | 0x20) - ord("a")) < 26).argmin(axis=1)  # uint8 arithmetic wraps
    n_digits = (refs == ord('"')).argmax(axis=1) - n_letters
    if not ((n_letters >= 1) & (n_letters <= 3) & (n_digits >= 1) & (n_digits <= 7)).all():
        return None
    rows = cols = 0
    shapes = n_letters * 8 + n_digits  # references of one shape have their digits in one slice
    for shape in np.flatnonzero(np.bincount(shapes)).tolist():
        k, n = divmod(shape, 8)
        same = refs[shapes == shape]
        digits = same[:, k:k + n] - ord("0")
        if (digits >= 10).any():
            return None
        letters = (same[:, :k] & 0xDF) - (ord("A") - 1)
        rows = max(rows, int((digits.astype(np.float64) @ 10.0 ** np.arange(n - 1, -1, -1)).max()))
        cols = max(cols, int((letters.astype(np.float64) @ 26.0 ** np.arange(k - 1, -1, -1)).max()))
    return rows, cols


class _ExactScan:
    """expat scan following calamine's XlsxCellReader: a <c> is at its ``r`` if it has one, else
    at (row counter, column counter); <row r> sets the row counter, </row> adds one to it and
    resets the column counter; every </c> adds one to the column counter. Inside a <c> nothing
    else counts, and any child element makes the cell non-empty. Also adds up <mergeCell ref>."""

    def __init__(self):
        self.rows = self.cols = self.merged = 0
        self.row = self.col = 0  # calamine's 0-based counters
        self.cell: tuple[int, int] | None = None  # 1-based (row, column) of the open <c>
        self.filled = False
        self.elements = 0
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.StartDoctypeDeclHandler = self._doctype

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError:
            raise _Refusal("nonstandard", part=_SHEET) from None

    def close(self) -> None:
        try:
            self.parser.Parse(b"", True)
        except expat.ExpatError:
            raise _Refusal("nonstandard", part=_SHEET) from None

    @staticmethod
    def _doctype(*_args) -> None:
        raise _Refusal("unsafe_xml")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > MAX_EXACT_ELEMENTS:
            raise _Refusal("nonstandard", part=_SHEET)
        if self.cell is not None:
            self.filled = True
            return
        local = name.rpartition(":")[2]
        if local == "c":
            ref = attrs.get("r")
            if ref is None:
                self.cell = (self.row + 1, self.col + 1)
            else:
                self.cell = _parse_ref(ref, need_column=True)
                self.col = self.cell[1] - 1
            self.filled = False
        elif local == "row" and "r" in attrs:
            self.row = _parse_ref(attrs["r"], need_column=False)[0] - 1
        elif local == "mergeCell" and "ref" in attrs:
            first, _, last = attrs["ref"].partition(":")
            start = _parse_ref(first, need_column=True)
            self.merged += _merge_area(start, _parse_ref(last, need_column=True) if last else start)

    def _end(self, name: str) -> None:
        if self.cell is not None:
            if name.rpartition(":")[2] == "c":
                if self.filled:
                    self.rows, self.cols = max(self.rows, self.cell[0]), max(self.cols, self.cell[1])
                self.cell = None
                self.col += 1
        elif name.rpartition(":")[2] == "row":
            self.row += 1
            self.col = 0


@lru_cache(maxsize=4096)
def _column(letters: str) -> int:
    """1-based column of letters (any case); past Excel's last column for more than three."""
    from openpyxl.utils.cell import column_index_from_string

    return column_index_from_string(letters.upper()) if len(letters) <= 3 else GRID_COLUMNS + 1


def _parse_ref(ref: str, need_column: bool) -> tuple[int, int]:
    """(row, column), 1-based, of a reference such as "B7"; a reference calamine cannot read is
    refused (calamine would fail on it too)."""
    digits = ref.lstrip(string.ascii_letters)
    letters = ref[: len(ref) - len(digits)]
    if not digits.isdigit() or not digits.isascii() or int(digits) == 0 or (need_column and not letters):
        raise _Refusal("nonstandard", part=_SHEET)
    return int(digits), _column(letters) if letters else 0


def _sheet_name(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """The sheet name of a worksheet part as calamine resolves it (workbook.xml and its
    relationships; both already verified), else the part's file name."""
    try:
        workbook = safe_fromstring(zf.read(_part(zf, "xl/workbook.xml")))
        rels = safe_fromstring(zf.read(_part(zf, "xl/_rels/workbook.xml.rels")))
    except (KeyError, ParseError, DefusedXmlException, zipfile.BadZipFile, ValueError):
        return info.filename.rpartition("/")[2]
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if r.tag.endswith("Relationship")}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    for sheet in workbook.iter():
        target = targets.get(sheet.get(rid)) if sheet.tag.endswith("}sheet") else None
        if target is None:
            continue
        path = target[1:] if target.startswith("/xl/") else target if target.startswith("xl/") else "xl/" + target
        if _normal(path) == _normal(info.filename):
            return sheet.get("name", "")
    return info.filename.rpartition("/")[2]


def _part(zf: zipfile.ZipFile, name: str) -> str:
    """The actual name of a part, matched like calamine does (case-insensitively)."""
    return next((n for n in zf.namelist() if _normal(n) == name), name)
