"""Backup and restore: the whole database as one workbook that Excel opens and ``restore`` brings
back exactly.

One sheet per table of ``data.tables.METADATA`` (every register under its Chinese name, the import
batches, their registers and the audit log), headed by the table's column names and holding every
row with its bookkeeping columns (ids, branch, period, row_hash, seq, batch_id, removed_by), plus a
first sheet 备份说明 with the format mark and the row count of each sheet. Values keep their exact
form: numbers Excel cannot hold exactly (floats needing 17 digits, integers past 2**53) and times
(microseconds) are written as text; text cells are always text (never formulas), with OOXML
``_xHHHH_`` escapes (by XlsxWriter) for the characters XML cannot carry.

Restore goes through the upload safety check, refuses a database that already holds registers or
batches, and writes everything in one transaction (an error leaves the database untouched).
Audit rows keep their ids when the audit log is empty; rows already there (say, the user added
on a new server before restoring) stay, and the backup's rows follow them. The restore itself
is audited.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, date, datetime, time

import openpyxl
import sqlalchemy as sa
import xlsxwriter

from data import schema, texts
from data.errors import DataError
from data.safety import check_workbook_bytes
from data.audit import write_audit
from data.export import HEADER_STYLE, write_pairs
from data.store import Store
from data.tables import ALIASES, AUDIT_LOG, BATCHES, METADATA, TABLES

FORMAT = "dangjian-backup/1"
_EXACT_INT = 2**53
# Tables added after the format was first written: a backup without their sheet restores them empty.
_LATER_TABLES = {"aliases"}
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def tables() -> list[sa.Table]:
    """Every table, in the order of the workbook's sheets: the registers (schema order), then the
    bookkeeping tables."""
    registers = list(TABLES.values())
    return registers + [t for t in METADATA.sorted_tables if t.name not in {r.name for r in registers}]


def sheet_name(table: sa.Table) -> str:
    """The sheet of a table: a register's Chinese name, else from ``texts.BACKUP_SHEETS``."""
    for key, t in TABLES.items():
        if t is table:
            return schema.REGISTERS[key].name
    return texts.BACKUP_SHEETS[table.name]


def _unescape(text: str) -> str:
    """Undo OOXML escaping (``_xHHHH_``; ``_x005F_`` is a literal underscore). openpyxl leaves
    inline strings as written, so this is the one decoding step."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


# --- backup ------------------------------------------------------------------------------------


def _snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, by primary key, read in one transaction (one consistent state)."""
    engine = store.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.begin() as conn:
        return {t.name: conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
                for t in METADATA.sorted_tables}


def _write_cell(sheet, row: int, col: int, value, column: sa.Column, date_format) -> None:
    if value is None:
        return
    kind = column.type
    if isinstance(kind, sa.DateTime):
        sheet.write_string(row, col, value.isoformat(sep=" "))
    elif isinstance(kind, sa.Date):
        if value.year >= 1900:
            sheet.write_datetime(row, col, datetime.combine(value, time()), date_format)
        else:
            sheet.write_string(row, col, value.isoformat())
    elif isinstance(kind, sa.Integer):
        if abs(value) < _EXACT_INT:
            sheet.write_number(row, col, value)
        else:
            sheet.write_string(row, col, str(value))
    elif isinstance(kind, sa.Float):
        if float(f"{value:.16G}") == value:  # what XlsxWriter writes
            sheet.write_number(row, col, value)
        else:
            sheet.write_string(row, col, repr(value))
    elif sheet.write_string(row, col, value) == -2:  # XlsxWriter would cut it at 32767 characters
        raise DataError(texts.BACKUP_TOO_LONG.format(
            sheet=sheet.get_name(), row=row + 1, column=column.name))


def backup_bytes(store: Store, *, now: datetime | None = None) -> bytes:
    """The workbook of every table (all branches), stamped ``now`` (UTC); writes nothing."""
    data = _snapshot(store)
    buffer = io.BytesIO()
    # constant_memory: rows go to temporary files as written, and text is written as inline
    # strings, which XlsxWriter escapes fully and openpyxl reads back as written.
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format(HEADER_STYLE)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S")
    lines = [(texts.BACKUP_INFO_FORMAT, FORMAT), (texts.BACKUP_INFO_TIME, stamp),
             (texts.BACKUP_INFO_NOTE, texts.BACKUP_INFO_NOTE_TEXT)]
    lines += [(texts.BACKUP_INFO_ROWS.format(sheet=sheet_name(t)), len(data[t.name]))
              for t in tables()]
    write_pairs(book, texts.BACKUP_INFO_SHEET, texts.BACKUP_INFO_HEADERS, lines, bold, (24, 100))
    for t in tables():
        sheet = book.add_worksheet(sheet_name(t))
        columns = list(t.columns)
        for j, column in enumerate(columns):
            sheet.write_string(0, j, column.name, bold)
            sheet.set_column(j, j, 14)
        for i, row in enumerate(data[t.name], start=1):
            for j, (value, column) in enumerate(zip(row, columns)):
                _write_cell(sheet, i, j, value, column, date_format)
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def backup(store: Store, *, user: str, file_name: str) -> bytes:
    """``backup_bytes`` and an audit row saying who took it (file name, sha256, rows)."""
    content = backup_bytes(store)
    store.audit("backup", user=user, file_name=file_name,
                sha256=hashlib.sha256(content).hexdigest())
    return content


# --- restore -----------------------------------------------------------------------------------


def _read_value(value, column: sa.Column):
    """The stored value of a cell for ``column``; ValueError if it cannot be one."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        if isinstance(value, datetime):
            return value.date()
        return date.fromisoformat(value)
    if isinstance(kind, sa.Integer):
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    if isinstance(kind, sa.Float):
        if isinstance(value, bool):
            raise ValueError(value)
        return float(value)
    if not isinstance(value, str):
        raise ValueError(value)
    return _unescape(value)


def _read(content: bytes, file_name: str) -> dict[str, list[dict]]:
    """Every table's rows from a backup workbook; ``DataError`` for anything else."""
    check_workbook_bytes(content, file_name)
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        not_backup = DataError(texts.BACKUP_NOT_BACKUP.format(file=file_name,
                                                              sheet=texts.BACKUP_INFO_SHEET))
        if texts.BACKUP_INFO_SHEET not in book.sheetnames:
            raise not_backup
        info = {row[0]: row[1] for row in book[texts.BACKUP_INFO_SHEET].iter_rows(
            min_row=2, max_col=2, values_only=True) if row and row[0] is not None}
        if info.get(texts.BACKUP_INFO_FORMAT) != FORMAT:
            raise not_backup
        out = {}
        for t in METADATA.sorted_tables:
            name, columns = sheet_name(t), list(t.columns)
            header = [c.name for c in columns]
            bad_sheet = DataError(texts.BACKUP_BAD_SHEET.format(
                file=file_name, sheet=name, columns=texts.capped(header)))
            if name not in book.sheetnames and t.name in _LATER_TABLES:
                out[t.name] = []
                continue
            if name not in book.sheetnames:
                raise bad_sheet
            rows = book[name].iter_rows(values_only=True)
            first = next(rows, ())
            if list(first[:len(header)]) != header or any(v is not None for v in first[len(header):]):
                raise bad_sheet
            records = []
            for number, row in enumerate(rows, start=2):
                row = tuple(row) + (None,) * (len(header) - len(row))
                if all(v is None for v in row):
                    continue
                record = {}
                for column, value in zip(columns, row):
                    try:
                        record[column.name] = _read_value(value, column)
                    except (TypeError, ValueError):
                        raise DataError(texts.BACKUP_BAD_VALUE.format(
                            file=file_name, sheet=name, row=number, column=column.name,
                            value=value)) from None
                records.append(record)
            expected = info.get(texts.BACKUP_INFO_ROWS.format(sheet=name))
            if expected != len(records):
                raise DataError(texts.BACKUP_COUNT_MISMATCH.format(
                    file=file_name, sheet=name, expected=expected, found=len(records)))
            out[t.name] = records
        return out
    finally:
        book.close()


def _occupied(conn: sa.Connection) -> list[str]:
    """Sheet names of the tables (other than the audit log) that hold any row."""
    return [sheet_name(t) for t in tables() if t is not AUDIT_LOG
            and conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()]


def restore(store: Store, content: bytes, *, file_name: str, user: str) -> int:
    """Load a backup into an empty database in one transaction; returns the rows restored."""
    data = _read(content, file_name)
    with store.transaction() as conn:
        occupied = _occupied(conn)
        if occupied:
            raise DataError(texts.BACKUP_NOT_EMPTY.format(tables="、".join(occupied)))
        keep_audit_ids = conn.execute(sa.select(sa.func.count()).select_from(AUDIT_LOG)).scalar_one() == 0
        try:
            for t in METADATA.sorted_tables:
                rows = data[t.name]
                if t is AUDIT_LOG and not keep_audit_ids:
                    rows = [{k: v for k, v in r.items() if k != "id"} for r in rows]
                if rows:
                    conn.execute(sa.insert(t), rows)
        except sa.exc.IntegrityError:
            raise DataError(texts.BACKUP_INCONSISTENT.format(file=file_name)) from None
        if conn.dialect.name == "postgresql":
            for t in (BATCHES, AUDIT_LOG, ALIASES, *TABLES.values()):
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {t.name}), 0) + 1, false)"))
        total = sum(len(rows) for rows in data.values())
        counts = "、".join(f"{sheet_name(t)} {len(data[t.name])}" for t in tables())
        write_audit(conn, branch=store.branch, user=user, action="restore", file_name=file_name,
                    sha256=hashlib.sha256(content).hexdigest(), rows_added=total,
                    detail=texts.AUDIT_DETAIL_RESTORE.format(rows=total, tables=counts))
    return total
