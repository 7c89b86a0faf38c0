"""Read a workbook's sheets into grids (lists of rows) with python-calamine, for ``data.reader``.

- .xlsx: checked by ``data.safety`` first, then read in this process.
- .xls (Excel 97-2003, WPS 兼容格式; an OLE2 file): no pre-parse check covers the format, so it is
  read in a sandboxed child (``data.sandbox``: memory, CPU, output and time limits); whatever the
  parser does there becomes one refusal. An OLE2 file holding an ``EncryptedPackage`` is an .xlsx
  with an open password and keeps its own message. WPS's own .et is an OLE2 file too: read the
  same way when calamine can; otherwise refused by name with how to save it as .xlsx.

Cells calamine 0.9.1 cannot convert: a number of 1e9 or more in an elapsed-time cell ([h]:mm,
[h]:mm:ss, [mm]:ss) raises OverflowError (a timedelta past 999,999,999 days), one of about -1.07e11
or less in a date or time cell panics (pyo3's PanicException, a BaseException). Either fails the
whole sheet, whatever sheet it is. A sheet that fails so is read again from a copy of the file in
which those cells hold their number as text (no format), and each becomes a ``BadCell`` the reader
reports (a register column: an error naming row, column and value; another sheet: skipped with a
note). In a .xls the cell cannot be rewritten: the sheet is reported unreadable at the row where
the conversion fails (a sheet not named after a register is skipped with that note).
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from openpyxl.utils.cell import column_index_from_string, get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from data import safety, sandbox, schema, texts
from data.errors import RejectedFile

# The .xls child's limits. A full .xls sheet is 65,536 x 256 cells; files are at most 20 MB.
XLS_LIMITS = sandbox.Limits(memory_bytes=1536 * 2**20, cpu_seconds=30, seconds=90, output_bytes=256 * 2**20)
# Formats calamine converts, and the magnitudes past which the conversion fails (see above). The
# date bound is lower than calamine's (~1.07e11 days) on purpose: no date is anywhere near it.
DURATION_LIMIT = 999_999_999
DATE_LIMIT = 1e10
_BUILTIN_DATES = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 47}
_BUILTIN_DURATIONS = {46}
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass
class BadCell:
    row: int  # Excel row, 1-based
    col: int  # Excel column, 1-based
    value: float
    kind: str  # "duration" or "date"

    @property
    def ref(self) -> str:
        return f"{get_column_letter(self.col)}{self.row}"

    @property
    def shown(self) -> str:
        return str(int(self.value)) if float(self.value).is_integer() else repr(self.value)


@dataclass
class SheetGrid:
    name: str
    skipped: str | None = None  # reason a sheet is not read at all (hidden, chart sheet)
    unreadable: str | None = None  # Chinese message when the sheet could not be read
    grid: list[list] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # grid (top, left, bottom, right)
    first_row: int = 1  # Excel row of grid row 0
    first_col: int = 1  # Excel column of grid column 0
    bad_cells: list[BadCell] = field(default_factory=list)


sandbox.allow_result(SheetGrid, BadCell)


class ColumnGrid:
    """A sheet's cells column by column, read as a list of rows (``len``, ``grid[r]``, ``grid[r][c]``)
    by ``data.reader``, which takes the data rows as one 2-D array (``body``).

    calamine makes a new object for every cell: ~70 MB for a 100,000 x 8 register, most of them
    repeating a few thousand names, places, dates and categories. Rows are taken from
    ``iter_rows`` in blocks and each column's cells are replaced by one object per distinct value
    and type (``_share``), so a block's own objects are freed before the next block is read and
    the memory they took is free for what follows (validation, the store)."""

    BLOCK = 8192  # rows per block

    def __init__(self, columns: list[np.ndarray], height: int):
        self.columns = columns
        self.height = height

    @classmethod
    def of(cls, sheet) -> "ColumnGrid":
        if sheet.start is None:
            return cls([], 0)
        width = sheet.width
        canonical: list[dict] = [{} for _ in range(width)]
        parts: list[list[np.ndarray]] = [[] for _ in range(width)]
        # iter_rows (python-calamine 0.9.1) starts at row 0, not at the first row to_python gives
        rows = itertools.islice(sheet.iter_rows(), sheet.start[0], None)
        height = 0
        while block := list(itertools.islice(rows, cls.BLOCK)):
            height += len(block)
            if set(map(len, block)) != {width}:
                return cls.rows(sheet.to_python())
            cells = np.empty((len(block), width), dtype=object)
            cells[:] = block
            del block
            for c in range(width):
                parts[c].append(_share(cells[:, c].tolist(), canonical[c]))
            del cells
        if height != sheet.height:
            return cls.rows(sheet.to_python())
        return cls([np.concatenate(p) for p in parts], height)

    @classmethod
    def rows(cls, grid: list[list]) -> "ColumnGrid":
        """From a list of rows of one length (``to_python``)."""
        width = len(grid[0]) if grid else 0
        cells = np.empty((len(grid), width), dtype=object)
        if cells.size:
            cells[:] = grid
        return cls([cells[:, c].copy() for c in range(width)], len(grid))

    def __len__(self) -> int:
        return self.height

    def __getitem__(self, r: int) -> list:
        if not isinstance(r, int):
            raise TypeError("ColumnGrid rows are read one at a time (body() for many)")
        if r < 0:
            r += self.height
        if not 0 <= r < self.height:
            raise IndexError(r)
        return [col[r] for col in self.columns]

    def body(self, start: int) -> np.ndarray:
        """Rows ``start`` to the end as a 2-D object array."""
        out = np.empty((max(self.height - start, 0), len(self.columns)), dtype=object)
        for c, col in enumerate(self.columns):
            out[:, c] = col[start:]
        return out


_NUMBERS = frozenset({int, float, bool})  # the numbers calamine gives


def _share(cells: list, canonical: dict) -> np.ndarray:
    """``cells`` (a column of a block) as a 1-D object array, each cell replaced by the one object
    ``canonical`` holds for its value where that is the same value: of the same type, and for a
    number not 0 (0.0 and -0.0 hash alike). Blank cells (None, NaN) keep theirs."""
    if _NUMBERS.isdisjoint(set(map(type, cells))):
        # Texts, dates, times: a value equals only values of its own type (a date never equals a
        # datetime), so the dict alone shares them, at C speed.
        return np.fromiter(map(canonical.setdefault, cells, cells), dtype=object, count=len(cells))
    values = np.empty(len(cells), dtype=object)
    values[:] = cells
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    kinds = [type(u) for u in uniques]
    shared = np.empty(len(uniques) + 1, dtype=object)  # + 1: code -1 (blank) reads the last entry
    shared[:-1] = [canonical.setdefault((k, u), u) for k, u in zip(kinds, uniques)]
    keep = np.ones(len(uniques) + 1, dtype=bool)  # whether a code's cells keep their own objects
    keep[:-1] = False
    numeric = [i for i, k in enumerate(kinds) if k in _NUMBERS]
    out = shared[codes]
    if numeric:  # 1, 1.0 and True are one value for factorize: share a cell only with its own type
        keep[[i for i in numeric if uniques[i] == 0]] = True
        expected = np.empty(len(kinds) + 1, dtype=object)
        expected[:-1] = kinds
        same_type = np.fromiter(map(type, values), dtype=object, count=len(values)) == expected[codes]
        mask = keep[codes] | ~same_type
    else:
        mask = keep[codes]
    out[mask] = values[mask]
    return out


def read_grids(data: bytes, file_name: str) -> list[SheetGrid]:
    """Every sheet of the workbook in ``data``, or ``RejectedFile`` (SandboxFailed included)."""
    if data[:8] == safety.OLE2_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data or _xls_encrypted(data):
            raise RejectedFile(texts.READER_PASSWORD.format(file=file_name), code="password")
        try:
            return sandbox.run(read_xls, data, file_name, limits=XLS_LIMITS, what=file_name)
        except RejectedFile as err:
            if err.code == "not_workbook" and file_name.lower().endswith((".et", ".ett")):
                raise RejectedFile(texts.READER_WPS_ET.format(file=file_name), code="wps_et") from None
            raise
    safety.check_workbook_bytes(data, file_name)
    return _read(data, file_name, xlsx=True)


# BIFF8 workbook-globals BOF record (type 0x0809, 16 bytes, version 0x0600, type 0x0005): the
# first record of a .xls Workbook stream; with an open password the FilePass record (0x002F)
# follows it immediately ([MS-XLS] 2.4.117). calamine's format detection from a file object reports
# such a file as "not a workbook" rather than raising PasswordError.
_BIFF8_GLOBALS_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"


def _xls_encrypted(data: bytes) -> bool:
    start = data.find(_BIFF8_GLOBALS_BOF)
    while start >= 0:
        if data[start + 20:start + 22] == b"\x2f\x00":
            return True
        start = data.find(_BIFF8_GLOBALS_BOF, start + 1)
    return False


def read_xls(data: bytes, file_name: str) -> list[SheetGrid]:
    """The sandboxed child's work for an OLE2 workbook: its sizes bounded like data.safety's."""
    return _read(data, file_name, xlsx=False)


def _open(data: bytes, file_name: str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as err:
        raise RejectedFile(texts.READER_PASSWORD.format(file=file_name), code="password") from err
    except Exception as err:  # calamine raises CalamineError and others for non-workbooks
        raise RejectedFile(texts.READER_NOT_WORKBOOK.format(file=file_name), code="not_workbook") from err


def _read(data: bytes, file_name: str, xlsx: bool) -> list[SheetGrid]:
    workbook = _open(data, file_name)
    out: list[SheetGrid] = []
    total = 0
    for meta in workbook.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            out.append(SheetGrid(meta.name, skipped=texts.READER_SKIP_NOT_WORKSHEET))
            continue
        if meta.visible != SheetVisibleEnum.Visible:
            out.append(SheetGrid(meta.name, skipped=texts.READER_SKIP_HIDDEN))
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            if not xlsx:  # .xlsx sheets were bounded by data.safety before any parsing
                total += _check_size(sheet, meta.name, file_name, total)
            out.append(_grid(sheet, meta.name, columns=xlsx))
            del sheet  # calamine's copy of the cells (~40 MB for 100k rows) goes before the next sheet's
        except CalamineError:
            out.append(SheetGrid(meta.name, unreadable=texts.READER_SHEET_UNREADABLE.format(
                file=file_name, sheet=meta.name)))
        except (KeyboardInterrupt, SystemExit, RejectedFile):
            raise
        except BaseException:  # noqa: BLE001 - OverflowError, pyo3's PanicException (see above)
            out.append(_repair(data, file_name, meta.name) if xlsx else _locate(workbook, meta.name, file_name))
    return out


def _check_size(sheet, name: str, file_name: str, total: int) -> int:
    last_row, last_col = sheet.end or (-1, -1)  # 0-based; the box from A1, as data.safety measures
    rows, cols = last_row + 1, last_col + 1
    if rows > safety.MAX_SHEET_ROWS or rows * cols > safety.MAX_SHEET_CELLS:
        raise RejectedFile(texts.SAFETY_SHEET_TOO_LARGE.format(
            file=file_name, sheet=name, corner=f"{get_column_letter(max(cols, 1))}{rows}", rows=rows, cols=cols,
            max_rows=safety.MAX_SHEET_ROWS, max_cells=safety.MAX_SHEET_CELLS), code="sheet_too_large")
    if total + rows * cols > safety.MAX_WORKBOOK_CELLS:
        raise RejectedFile(texts.SAFETY_WORKBOOK_TOO_LARGE.format(
            file=file_name, cells=total + rows * cols, max_cells=safety.MAX_WORKBOOK_CELLS), code="workbook_too_large")
    return rows * cols


def _grid(sheet, name: str, columns: bool = False) -> SheetGrid:
    """The sheet's cells: as a list of rows, or with ``columns`` as a ``ColumnGrid`` built while
    calamine's rows stream by (an .xlsx read in this process)."""
    grid = ColumnGrid.of(sheet) if columns else sheet.to_python()
    r0, c0 = sheet.start or (0, 0)
    merges = [(top - r0, left - c0, bottom - r0, right - c0)
              for (top, left), (bottom, right) in (sheet.merged_cell_ranges or [])
              if r0 <= top < r0 + len(grid) and left >= c0]
    return SheetGrid(name, grid=grid, merges=merges, first_row=r0 + 1, first_col=c0 + 1)


def _locate(workbook: CalamineWorkbook, name: str, file_name: str) -> SheetGrid:
    """A .xls sheet whose conversion fails: unreadable, naming the first row that fails."""
    sheet = workbook.get_sheet_by_name(name)
    row = (sheet.start or (0, 0))[0] + 1
    try:
        for _ in sheet.iter_rows():
            row += 1
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - as in _read
        pass
    if schema.register_by_sheet(name) is None:  # not a register: skipped, the others import
        return SheetGrid(name, skipped=texts.READER_SKIP_BAD_NUMBER.format(row=row))
    return SheetGrid(name, unreadable=texts.READER_SHEET_BAD_NUMBER.format(file=file_name, sheet=name, row=row))


# --- .xlsx cells calamine cannot convert -----------------------------------------------------------

_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR = re.compile(rb'\b(r|s|t)="([^"]*)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _repair(data: bytes, file_name: str, sheet_name: str) -> SheetGrid:
    """Read a sheet whose conversion fails from a copy of the file in which the failing cells hold
    their number as text; unreadable if that does not help."""
    unreadable = SheetGrid(sheet_name, unreadable=texts.READER_SHEET_UNREADABLE.format(file=file_name, sheet=sheet_name))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            part = _sheet_part(zf, sheet_name)
            kinds = _format_kinds(zf)
            if part is None:
                return unreadable
            patched, bad = _neutralise(zf.read(part), kinds)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
                for info in zf.infolist():
                    dst.writestr(info, patched if info.filename == part else zf.read(info))
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue())).get_sheet_by_name(sheet_name)
        result = _grid(sheet, sheet_name, columns=True)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - as in _read
        return unreadable
    result.bad_cells = bad
    return result


def _neutralise(xml: bytes, kinds: dict[int, str]) -> tuple[bytes, list[BadCell]]:
    bad: list[BadCell] = []

    def fix(m: re.Match) -> bytes:
        attrs = dict(_ATTR.findall(m.group(1)))
        kind = kinds.get(int(attrs.get(b"s", b"0") or 0))
        if kind is None or attrs.get(b"t", b"n") != b"n" or b"r" not in attrs or m.group(2) is None:
            return m.group(0)
        value = _VALUE.search(m.group(2))
        try:
            number = float(value.group(1)) if value else None
        except ValueError:
            return m.group(0)
        if number is None or abs(number) <= (DURATION_LIMIT if kind == "duration" else DATE_LIMIT):
            return m.group(0)
        ref = attrs[b"r"].decode()
        letters = ref.rstrip("0123456789")
        cell = BadCell(int(ref[len(letters):]), column_index_from_string(letters.upper()), number, kind)
        bad.append(cell)
        return f'<c r="{ref}" t="inlineStr"><is><t>{cell.shown}</t></is></c>'.encode()

    return _CELL.sub(fix, xml), bad


def _format_kinds(zf: zipfile.ZipFile) -> dict[int, str]:
    """Cell style index -> "date" or "duration" for the styles whose number format calamine
    converts (others absent)."""
    try:
        styles = safe_fromstring(zf.read(_part_name(zf, "xl/styles.xml")))
    except (StopIteration, KeyError, ParseError, DefusedXmlException):
        return {}
    codes = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in styles.iter(f"{_NS}numFmt")}
    kinds: dict[int, str] = {}
    xfs = next(styles.iter(f"{_NS}cellXfs"), None)
    for index, xf in enumerate(xfs if xfs is not None else []):
        fmt = int(xf.get("numFmtId", "0"))
        kind = ("duration" if fmt in _BUILTIN_DURATIONS else "date" if fmt in _BUILTIN_DATES
                else _custom_kind(codes[fmt]) if fmt in codes else None)
        if kind:
            kinds[index] = kind
    return kinds


def _custom_kind(code: str) -> str | None:
    """Whether a custom number format is an elapsed time ([h], [m], [s]), a date or time, or
    neither; generous (quoted text, escapes and other [...] sections ignored)."""
    text = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code.split(";")[0]).lower()
    if re.search(r"\[(h+|m+|s+)\]", text):
        return "duration"
    text = re.sub(r"\[[^\]]*\]", "", text)
    return "date" if re.search(r"[ymdhs]", text) else None


def _part_name(zf: zipfile.ZipFile, name: str) -> str:
    return next(n for n in zf.namelist() if n.replace("\\", "/").lstrip("/").lower() == name)


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The part holding the sheet named ``sheet_name`` (workbook.xml and its relationships)."""
    try:
        workbook = safe_fromstring(zf.read(_part_name(zf, "xl/workbook.xml")))
        rels = safe_fromstring(zf.read(_part_name(zf, "xl/_rels/workbook.xml.rels")))
    except (StopIteration, KeyError, ParseError, DefusedXmlException):
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if r.tag.endswith("Relationship")}
    for sheet in workbook.iter(f"{_NS}sheet"):
        if sheet.get("name") == sheet_name and sheet.get(_REL_ID) in targets:
            target = targets[sheet.get(_REL_ID)]
            path = target[1:] if target.startswith("/") else target if target.startswith("xl/") else "xl/" + target
            try:
                return _part_name(zf, path.lower())
            except StopIteration:
                return None
    return None
