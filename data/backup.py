"""Backup and restore: the whole database as one zip file, streamed both ways, and back exactly.

Format ``dangjian-backup/2``: a zip holding one JSON-lines file per table of ``data.store.METADATA``
(``<table>.jsonl``: one JSON array per row, the table's columns in order, rows by primary key) and
``manifest.json`` (format mark, time, and per table: its Chinese name, columns, row count, size and
SHA-256 of its file). Values keep their exact form: integers as JSON integers, floats as Python's
shortest round-trip text, dates and times in ISO 8601, text as JSON strings (any character).
Writing streams rows from one read transaction into the zip, so memory does not grow with the
database; a value no import accepts (an infinite target written before those checks) stops the
backup with a message naming it.

Restore, all or nothing, into a database holding no registers and no batches:
1. before anything is written: the file size, the zip directory (exactly the manifest and one
   file per table, sizes, compression ratio), the manifest (format, tables, columns, row counts
   within ``MAX_TABLE_ROWS``/``MAX_TOTAL_ROWS``), then every table file read once for its row
   count and SHA-256;
2. in one transaction: rows are read again in chunks of ``CHUNK_ROWS``, checked and inserted.
   Every register row is validated as an import validates it (``data.validate``: types, allowed
   values, bounds, 实到 <= 应到, years 1949–2100) and its ``period`` and ``row_hash`` must be the
   ones the store computes from its values; bookkeeping rows are checked too (ids increasing,
   batches of known kind and state, batch ids that exist, audit rows in a consistent sequence).
   The first problem is one Chinese message naming file, table, row and column, and the
   transaction is rolled back.
A branch backup (``write_backup(..., branch_only=True)``: ``cli.py backup --branch``, a branch admin's
download) holds only one branch's rows: its registers, batches (and their batch_registers), aliases,
custom indicators and audit rows; the manifest's ``branch`` names it ({"id", "name", "kind"}). It
restores into that branch while the branch holds no rows (no batch, register row, alias or custom
indicator; its audit rows may be there), whatever other branches the database holds: nothing is
ever replaced or removed, and a branch that holds rows is refused. Its rows get new ids from the
database in the backup's order (batches one at a time, so "later" stays later for undo, whatever
other processes insert meanwhile) and their batch references follow; no id can meet another
branch's. Every row of such a backup must carry the branch the manifest names.
The old single-workbook format (``dangjian-backup/1``, .xlsx) is still restored, through the upload
safety check and its 20 MB cap, and with the same row checks. Audit rows keep their ids when the
audit log is empty; rows already there stay, and the backup's rows follow them. Restores and
backups are audited.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data import schema, texts
from data.audit import write_audit
from data.errors import BackupRefused, WriteFailed
from data.rowid import prepare as _prepare
from data.store import Store
from data.tables import (ALIASES, AUDIT_ACTIONS, AUDIT_LOG, BATCH_REGISTERS, BATCHES, BRANCHES, METADATA, TABLES,
                         BatchKind, BatchStatus, BranchKind, utcnow)
from data.validate import DATE_YEARS, validate_frame

FORMAT = "dangjian-backup/2"
LEGACY_FORMAT = "dangjian-backup/1"
MANIFEST = "manifest.json"
SUFFIX = ".zip"

# Limits of a backup restore accepts, checked before anything is written. A branch's registers
# hold some thousands of rows a year; these leave room for a thousand branches over decades.
MAX_BACKUP_BYTES = 4 * 2**30  # the zip file
MAX_TABLE_ROWS = 20_000_000  # rows of one table
MAX_TOTAL_ROWS = 50_000_000  # rows of all tables
MAX_TABLE_BYTES = 16 * 2**30  # one table's JSON lines, uncompressed
MAX_LINE_BYTES = 2**20  # one row (a text cell holds at most ~300,000 Chinese characters)
MAX_RATIO = 100  # uncompressed / compressed size of a table file over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2**20
MAX_MANIFEST_BYTES = 2**20
CHUNK_ROWS = 20_000  # rows read, checked and inserted at a time
READ_BLOCK = 2**20
TIME_YEARS = (2000, 2100)  # years a batch or audit time may have

_HEX = re.compile(r"[0-9a-f]{0,64}")
_PERIOD = {"month": re.compile(r"\d{4}-\d{2}"), "year": re.compile(r"\d{4}"), "all": re.compile(schema.Period.ALL)}
# Tables added after the format was first written: an older backup without them restores them empty.
_LATER_TABLES = {"aliases", "custom_indicators"}
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def tables() -> list[sa.Table]:
    """Every table, in the order of the manifest: the registers (schema order), then the
    bookkeeping tables."""
    registers = list(TABLES.values())
    return registers + [t for t in METADATA.sorted_tables if t.name not in {r.name for r in registers}]


def sheet_name(table: sa.Table) -> str:
    """The Chinese name of a table: a register's name, else from ``texts.BACKUP_SHEETS``."""
    for key, t in TABLES.items():
        if t is table:
            return schema.REGISTERS[key].name
    return texts.BACKUP_SHEETS[table.name]


def _register_key(table: sa.Table) -> str | None:
    return next((k for k, t in TABLES.items() if t is table), None)


# --- backup ------------------------------------------------------------------------------------


def _encoder(column: sa.Column) -> Callable:
    kind = column.type
    if isinstance(kind, (sa.DateTime, sa.Date)):
        return lambda v: None if v is None else v.isoformat()
    return lambda v: v


@dataclass
class BackupInfo:
    rows: dict[str, int] = field(default_factory=dict)  # table name -> rows
    size: int = 0
    sha256: str = ""

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _branch_rows(t: sa.Table, branch: str):
    """The condition selecting one branch's rows of ``t`` (batch_registers: by their batch)."""
    if t is BATCH_REGISTERS:
        return t.c.batch_id.in_(sa.select(BATCHES.c.id).where(BATCHES.c.branch == branch))
    return t.c.branch == branch


def write_backup(store: Store, out: BinaryIO, *, now: datetime | None = None,
                 branch_only: bool = False) -> BackupInfo:
    """Stream every table (all branches; with ``branch_only`` only ``store``'s branch's rows) into
    a zip written to ``out``; writes nothing to the database. One read transaction, so the backup
    is one consistent state."""
    engine = store.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
    info, entries = BackupInfo(), []
    with engine.begin() as conn, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        for t in tables():
            columns = list(t.columns)
            encoders = [_encoder(c) for c in columns]
            digest, size, rows = hashlib.sha256(), 0, 0
            query = sa.select(t).order_by(*t.primary_key.columns)
            if branch_only:
                query = query.where(_branch_rows(t, store.branch))
            result = conn.execution_options(yield_per=CHUNK_ROWS).execute(query)
            with book.open(f"{t.name}.jsonl", "w", force_zip64=True) as entry:
                for part in result.partitions():
                    lines = []
                    for row in part:
                        rows += 1
                        try:
                            lines.append(encode([f(v) for f, v in zip(encoders, row)]))
                        except ValueError:  # a float JSON cannot hold: inf, -inf, NaN
                            raise BackupRefused(_unwritable(t, row)) from None
                    data = ("\n".join(lines) + "\n").encode("utf-8")
                    digest.update(data)
                    size += len(data)
                    entry.write(data)
            info.rows[t.name] = rows
            entries.append({"table": t.name, "name": sheet_name(t), "file": f"{t.name}.jsonl",
                            "columns": [c.name for c in columns], "rows": rows, "bytes": size,
                            "sha256": digest.hexdigest()})
        manifest = {"format": FORMAT, "created_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "note": texts.BACKUP_INFO_NOTE_TEXT, "tables": entries}
        if branch_only:
            manifest["note"] = texts.BACKUP_BRANCH_NOTE_TEXT
            manifest["branch"] = {"id": store.branch, "name": store.branch_name, "kind": str(store.record.kind)}
        else:  # every branch's record, so a restore shows renamed branches by their current names
            manifest["branches"] = [{"id": r.id, "name": r.name, "kind": r.kind, "parent": r.parent}
                                    for r in conn.execute(sa.select(BRANCHES).order_by(BRANCHES.c.id))]
        book.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return info


def _unwritable(t: sa.Table, row) -> str:
    values = dict(zip((c.name for c in t.columns), row))
    column = next(c for c in t.columns if isinstance(values[c.name], float) and not math.isfinite(values[c.name]))
    key = _register_key(t)
    label = schema.REGISTERS[key].column(column.name).label if key else column.name
    return texts.BACKUP_UNWRITABLE.format(sheet=sheet_name(t), id=values["id"], column=label,
                                          value=values[column.name])


def backup_to(store: Store, path: str | os.PathLike, *, user: str | None = None,
              branch_only: bool = False) -> BackupInfo:
    """Write the backup to ``path`` (through a temporary file beside it, so a failed backup leaves
    no file) and, with ``user``, an audit row (file name, SHA-256 of the file)."""
    path = Path(path)
    try:
        handle, temp = tempfile.mkstemp(prefix=".backup-", suffix=SUFFIX, dir=path.parent)
    except OSError as err:
        raise WriteFailed.from_os_error(path, err) from None
    try:
        with os.fdopen(handle, "wb") as out:
            info = write_backup(store, out, branch_only=branch_only)
        digest = hashlib.sha256()
        with open(temp, "rb") as written:
            while block := written.read(READ_BLOCK):
                digest.update(block)
                info.size += len(block)
        info.sha256 = digest.hexdigest()
        try:
            os.replace(temp, path)
        except OSError as err:
            raise WriteFailed.from_os_error(path, err) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if user is not None:
        store.audit("backup", user=user, file_name=path.name, sha256=info.sha256)
    return info


# Bytes a stored row takes in the zip, measured on the demo year and on 2M generated 志愿服务 rows
# (116.5 MB): the web page uses it to say before a backup is made that it will be too big to upload.
BYTES_PER_ROW = 60


def estimated_size(store: Store, *, branch_only: bool = False) -> int:
    """What a backup of ``store`` (with ``branch_only``: of its branch) is expected to take (every row
    of every backed-up table, removed and bookkeeping rows included, times ``BYTES_PER_ROW``)."""
    with store.engine.connect() as conn:
        rows = sum(conn.execute(sa.select(sa.func.count()).select_from(t).where(
            _branch_rows(t, store.branch) if branch_only else sa.true())).scalar_one() for t in tables())
    return rows * BYTES_PER_ROW


def backup_bytes(store: Store, *, now: datetime | None = None, branch_only: bool = False) -> bytes:
    """The backup as bytes (the web page's download); writes nothing."""
    buffer = io.BytesIO()
    write_backup(store, buffer, now=now, branch_only=branch_only)
    return buffer.getvalue()


def backup(store: Store, *, user: str, file_name: str, branch_only: bool = False) -> bytes:
    """``backup_bytes`` and an audit row saying who took it (file name, sha256)."""
    content = backup_bytes(store, branch_only=branch_only)
    store.audit("backup", user=user, file_name=file_name, sha256=hashlib.sha256(content).hexdigest())
    return content


# --- reading a backup --------------------------------------------------------------------------

_Refused = BackupRefused


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


@dataclass
class Chunk:
    """Rows of one table, column by column: ``numbers`` are the rows' numbers in the file (line, or
    Excel row for the old format), ``columns`` the stored values by column name."""

    numbers: list[int]
    columns: dict[str, list]

    def records(self) -> Iterator[tuple[int, dict]]:
        names = list(self.columns)
        for number, values in zip(self.numbers, zip(*self.columns.values())):
            yield number, dict(zip(names, values))


def _decode_column(column: sa.Column, values: tuple) -> tuple[list, int | None]:
    """JSON values -> stored values for ``column``, and the index of the first value that cannot
    be one (None if all can). Each distinct date or time is parsed once."""
    kind = column.type
    types = set(map(type, values))
    if type(None) in types and not column.nullable:
        return [], values.index(None)
    if isinstance(kind, (sa.DateTime, sa.Date)):
        parse = datetime.fromisoformat if isinstance(kind, sa.DateTime) else date.fromisoformat
        if not types <= {str, type(None)}:
            return [], next(i for i, v in enumerate(values) if type(v) not in (str, type(None)))
        parsed = {}
        for v in set(values) - {None}:
            try:
                parsed[v] = parse(v)
            except ValueError:
                return [], values.index(v)
        return [parsed.get(v) for v in values], None
    if isinstance(kind, sa.Integer):
        if not types <= {int, type(None)}:
            return [], next(i for i, v in enumerate(values) if type(v) not in (int, type(None)))
        big = [i for i, v in enumerate(values) if v is not None and not -2**63 <= v < 2**63] if values else []
        return list(values), (big[0] if big else None)
    if isinstance(kind, sa.Float):
        if not types <= {int, float, type(None)}:
            return [], next(i for i, v in enumerate(values) if type(v) not in (int, float, type(None)))
        out = [None if v is None else float(v) for v in values]
        nums = np.array([np.nan if v is None else v for v in out], dtype="float64")
        bad = np.flatnonzero(np.isinf(nums))  # NaN cannot come from JSON here: it is None
        return out, (int(bad[0]) if len(bad) else None)
    if not types <= {str, type(None)}:
        return [], next(i for i, v in enumerate(values) if type(v) not in (str, type(None)))
    return list(values), None


class _Zip:
    """A format-2 backup: the zip directory and manifest checked, then each table file read once
    for its row count and SHA-256 (``verify``), then row chunks (``rows``)."""

    def __init__(self, source: BinaryIO, file_name: str):
        self.file_name = file_name
        self.book = zipfile.ZipFile(source)
        self.entries: dict[str, dict] = {}
        self.scope: dict | None = None  # a branch backup's {"id", "name", "kind"}
        self.branches: list[dict] = []  # a whole backup's branch records (none in backups made before them)

    def check(self) -> None:
        f = self.file_name
        infos = {i.filename: i for i in self.book.infolist()}
        if len(infos) != len(self.book.infolist()) or MANIFEST not in infos:
            raise _Refused(texts.BACKUP_NOT_BACKUP.format(file=f, sheet=MANIFEST))
        if infos[MANIFEST].file_size > MAX_MANIFEST_BYTES:
            raise _Refused(texts.BACKUP_NOT_BACKUP.format(file=f, sheet=MANIFEST))
        try:
            manifest = json.loads(self.book.read(MANIFEST).decode("utf-8"))
            listed = {e["table"]: e for e in manifest["tables"]}
            assert manifest["format"] == FORMAT and len(listed) == len(manifest["tables"])
            scope = manifest.get("branch")
            if scope is not None:
                assert set(scope) == {"id", "name", "kind"} and scope["kind"] in set(BranchKind)
                assert all(isinstance(scope[k], str) and scope[k].strip() for k in ("id", "name"))
            self.scope = scope
            records = manifest.get("branches", [])
            assert isinstance(records, list) and len(records) <= MAX_TABLE_ROWS
            for r in records:
                assert set(r) == {"id", "name", "kind", "parent"} and r["kind"] in set(BranchKind)
                assert all(isinstance(r[k], str) and r[k].strip() for k in ("id", "name"))
                assert r["parent"] is None or isinstance(r["parent"], str)
            ids, names = [r["id"] for r in records], [r["name"] for r in records]
            assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
            self.branches = records
        except Exception:
            raise _Refused(texts.BACKUP_NOT_BACKUP.format(file=f, sheet=MANIFEST)) from None
        expected = {t.name for t in METADATA.sorted_tables}
        if set(listed) != expected or set(infos) != {MANIFEST} | {f"{n}.jsonl" for n in expected}:
            raise _Refused(texts.BACKUP_TABLES_WRONG.format(file=f, tables="、".join(sorted(expected))))
        total = 0
        for t in METADATA.sorted_tables:
            e, name = listed[t.name], sheet_name(t)
            info = infos[f"{t.name}.jsonl"]
            columns = [c.name for c in t.columns]
            try:
                rows, size, digest = int(e["rows"]), int(e["bytes"]), str(e["sha256"])
                same = e["columns"] == columns
            except (KeyError, TypeError, ValueError):
                same = False
            if not same:
                raise _Refused(texts.BACKUP_BAD_SHEET.format(file=f, sheet=name, columns=texts.capped(columns)))
            if not 0 <= rows <= MAX_TABLE_ROWS:
                raise _Refused(texts.BACKUP_TOO_MANY_ROWS.format(file=f, sheet=name, rows=rows, limit=MAX_TABLE_ROWS))
            if info.file_size != size:
                raise _Refused(texts.BACKUP_ENTRY_CHANGED.format(file=f, sheet=name))
            if size > MAX_TABLE_BYTES or (size > RATIO_MIN_BYTES and size > MAX_RATIO * max(info.compress_size, 1)):
                raise _Refused(texts.BACKUP_ENTRY_SIZE.format(file=f, sheet=name, size=_mb(info.file_size),
                                                              limit=_mb(MAX_TABLE_BYTES), ratio=MAX_RATIO))
            total += rows
            self.entries[t.name] = {"rows": rows, "bytes": size, "sha256": digest}
        if total > MAX_TOTAL_ROWS:
            raise _Refused(texts.BACKUP_TOO_MANY_ROWS.format(file=f, sheet=texts.BACKUP_ALL_TABLES, rows=total,
                                                             limit=MAX_TOTAL_ROWS))

    def _lines(self, t: sa.Table) -> Iterator[bytes]:
        """The lines of a table file, each at most MAX_LINE_BYTES, never past its declared size."""
        left = self.entries[t.name]["bytes"]
        with self.book.open(f"{t.name}.jsonl") as entry:
            while True:
                line = entry.readline(MAX_LINE_BYTES + 1)
                if not line:
                    return
                left -= len(line)
                if left < 0 or (len(line) > MAX_LINE_BYTES and not line.endswith(b"\n")):
                    raise _Refused(texts.BACKUP_ENTRY_CHANGED.format(file=self.file_name, sheet=sheet_name(t)))
                yield line

    def verify(self) -> None:
        for t in METADATA.sorted_tables:
            e, digest, rows = self.entries[t.name], hashlib.sha256(), 0
            try:
                for line in self._lines(t):
                    digest.update(line)
                    rows += 1
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError):
                # damaged data, an encrypted entry, an unsupported compression method
                raise _Refused(texts.BACKUP_ENTRY_CHANGED.format(file=self.file_name, sheet=sheet_name(t))) from None
            if rows != e["rows"]:
                raise _Refused(texts.BACKUP_COUNT_MISMATCH.format(
                    file=self.file_name, sheet=sheet_name(t), expected=e["rows"], found=rows))
            if digest.hexdigest() != e["sha256"]:
                raise _Refused(texts.BACKUP_ENTRY_CHANGED.format(file=self.file_name, sheet=sheet_name(t)))

    def rows(self, t: sa.Table) -> Iterator[Chunk]:
        lines, start = [], 1
        for line in self._lines(t):
            lines.append(line)
            if len(lines) == CHUNK_ROWS:
                yield self._decode(t, start, lines)
                start, lines = start + len(lines), []
        if lines:
            yield self._decode(t, start, lines)

    def _decode(self, t: sa.Table, start: int, lines: list[bytes]) -> Chunk:
        columns = list(t.columns)
        try:  # one parse for the whole chunk; line by line only to name a bad line
            values = json.loads(b"[" + b",".join(lines) + b"]")
        except ValueError:
            values = None
        if values is None or len(values) != len(lines) or any(
                type(v) is not list or len(v) != len(columns) for v in values):
            for i, line in enumerate(lines):
                try:
                    one = json.loads(line)
                except ValueError:
                    one = None
                if type(one) is not list or len(one) != len(columns):
                    break
            raise _Refused(texts.BACKUP_BAD_LINE.format(file=self.file_name, sheet=sheet_name(t), row=start + i,
                                                        columns=len(columns)))
        out = {}
        for column, col_values in zip(columns, zip(*values)):
            decoded, bad = _decode_column(column, col_values)
            if bad is not None:
                raise _Refused(texts.BACKUP_BAD_VALUE.format(
                    file=self.file_name, sheet=sheet_name(t), row=start + bad, column=column.name,
                    value=_shown(col_values[bad])))
            out[column.name] = decoded
        return Chunk(list(range(start, start + len(lines))), out)


def _shown(value) -> str:
    text = "空" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:60] + "…"


# --- the format-1 workbook (read only) ---


def _unescape(text: str) -> str:
    """Undo OOXML escaping (``_xHHHH_``; ``_x005F_`` is a literal underscore). openpyxl leaves
    inline strings as written, so this is the one decoding step."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _legacy_value(value, column: sa.Column):
    """The stored value of a format-1 cell for ``column``; ValueError if it cannot be one."""
    if value is None:
        if not column.nullable:
            raise ValueError(value)
        return None
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        if isinstance(value, datetime):
            return value.date()
        return date.fromisoformat(value)
    if isinstance(kind, sa.Integer):
        if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    if isinstance(kind, sa.Float):
        if isinstance(value, bool) or not math.isfinite(float(value)):
            raise ValueError(value)
        return float(value)
    if not isinstance(value, str):
        raise ValueError(value)
    return _unescape(value)


def _read_legacy(content: bytes, file_name: str) -> dict[str, list[tuple[int, dict]]]:
    """Every table's (Excel row, record) from a format-1 workbook; ``BackupRefused`` for anything else."""
    import openpyxl

    from data.safety import check_workbook_bytes

    check_workbook_bytes(content, file_name)
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        not_backup = _Refused(texts.BACKUP_NOT_BACKUP.format(file=file_name, sheet=texts.BACKUP_INFO_SHEET))
        if texts.BACKUP_INFO_SHEET not in book.sheetnames:
            raise not_backup
        info = {row[0]: row[1] for row in book[texts.BACKUP_INFO_SHEET].iter_rows(
            min_row=2, max_col=2, values_only=True) if row and row[0] is not None}
        if info.get(texts.BACKUP_INFO_FORMAT) != LEGACY_FORMAT:
            raise not_backup
        out = {}
        for t in METADATA.sorted_tables:
            name, columns = sheet_name(t), list(t.columns)
            header = [c.name for c in columns]
            bad_sheet = _Refused(texts.BACKUP_BAD_SHEET.format(file=file_name, sheet=name,
                                                               columns=texts.capped(header)))
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
                        record[column.name] = _legacy_value(value, column)
                    except (TypeError, ValueError, OverflowError):
                        raise _Refused(texts.BACKUP_BAD_VALUE.format(
                            file=file_name, sheet=name, row=number, column=column.name,
                            value=_shown(value if not isinstance(value, datetime) else str(value)))) from None
                records.append((number, record))
            expected = info.get(texts.BACKUP_INFO_ROWS.format(sheet=name))
            if expected != len(records):
                raise _Refused(texts.BACKUP_COUNT_MISMATCH.format(
                    file=file_name, sheet=name, expected=expected, found=len(records)))
            out[t.name] = records
        return out
    finally:
        book.close()


# --- checking rows -----------------------------------------------------------------------------


class _Checker:
    """The rules a restored row must follow, table by table in ``METADATA.sorted_tables`` order
    (batches first): register rows as an import checks them, bookkeeping rows consistent with each
    other. Keeps only the batches (id -> branch, created, status) and each table's last id/time."""

    def __init__(self, file_name: str, branch: str | None = None):
        self.file_name = file_name
        self.branch = branch  # a branch backup: every row's branch
        self.batches: dict[int, tuple[str, datetime]] = {}
        self.last_id: dict[str, int] = {}
        self.last_at: datetime | None = None

    def refuse(self, t: sa.Table, row: int, column: str, value, template: str = texts.BACKUP_BAD_ROW,
               **fields) -> None:
        key = _register_key(t)
        label = schema.REGISTERS[key].column(column).label if key and column in schema.REGISTERS[key].keys else column
        raise _Refused(template.format(file=self.file_name, sheet=sheet_name(t), row=row, column=label,
                                       value=_shown(value if not isinstance(value, (date, datetime)) else str(value)),
                                       **fields))

    def _common(self, t: sa.Table, number: int, r: dict) -> None:
        rid = r.get("id")
        if "id" in t.c:
            if rid < 1 or rid <= self.last_id.get(t.name, 0):
                self.refuse(t, number, "id", rid, expected=texts.BACKUP_EXPECT_ID)
            self.last_id[t.name] = rid
        if "branch" in t.c and not r["branch"].strip():
            self.refuse(t, number, "branch", r["branch"], expected=texts.BACKUP_EXPECT_TEXT)
        if "branch" in t.c and self.branch is not None and r["branch"] != self.branch:
            self.refuse(t, number, "branch", r["branch"], expected=texts.BACKUP_EXPECT_BRANCH.format(branch=self.branch))
        if "user" in t.c and not r["user"].strip():
            self.refuse(t, number, "user", r["user"], expected=texts.BACKUP_EXPECT_TEXT)
        if "sha256" in t.c and r["sha256"] is not None and not _HEX.fullmatch(r["sha256"]):
            self.refuse(t, number, "sha256", r["sha256"], expected=texts.BACKUP_EXPECT_SHA)
        for name in ("added", "removed", "kept", "rows_added", "rows_removed"):
            if name in t.c and not 0 <= r[name] <= MAX_TOTAL_ROWS:
                self.refuse(t, number, name, r[name], expected=texts.BACKUP_EXPECT_COUNT)
        for name in ("created_at", "undone_at", "at"):
            if name in t.c and r[name] is not None and not TIME_YEARS[0] <= r[name].year <= TIME_YEARS[1]:
                self.refuse(t, number, name, r[name], expected=texts.BACKUP_EXPECT_TIME.format(
                    start=TIME_YEARS[0], end=TIME_YEARS[1]))

    def _batch(self, t: sa.Table, number: int, r: dict, column: str, branch: str | None = None) -> None:
        found = self.batches.get(r[column])
        if found is None or (branch is not None and found[0] != branch):
            self.refuse(t, number, column, r[column], expected=texts.BACKUP_EXPECT_BATCH)

    def check(self, t: sa.Table, chunk: Chunk) -> None:
        key = _register_key(t)
        if key is not None:
            self._register_rows(key, t, chunk)
            return
        for number, r in chunk.records():  # bookkeeping tables: thousands of rows, row by row
            self._common(t, number, r)
            if t is BATCHES:
                if r["kind"] not in set(BatchKind):
                    self.refuse(t, number, "kind", r["kind"], expected="、".join(BatchKind))
                undone = r["status"] == BatchStatus.UNDONE
                if r["status"] not in set(BatchStatus) or undone != (r["undone_at"] is not None) \
                        or undone != (r["undone_by"] is not None):
                    self.refuse(t, number, "status", r["status"], expected=texts.BACKUP_EXPECT_STATUS)
                if undone and r["undone_at"] < r["created_at"]:
                    self.refuse(t, number, "undone_at", r["undone_at"], expected=texts.BACKUP_EXPECT_UNDONE)
                self.batches[r["id"]] = (r["branch"], r["created_at"])
            elif t is BATCH_REGISTERS:
                self._batch(t, number, r, "batch_id")
                reg = schema.REGISTERS.get(r["register"])
                if reg is None:
                    self.refuse(t, number, "register", r["register"], expected="、".join(schema.REGISTER_KEYS))
                if not all(_PERIOD[reg.period].fullmatch(p) for p in r["periods"].split(",")):
                    self.refuse(t, number, "periods", r["periods"], expected=texts.BACKUP_EXPECT_PERIODS)
            elif t is AUDIT_LOG:
                if r["action"] not in AUDIT_ACTIONS:
                    self.refuse(t, number, "action", r["action"], expected="、".join(AUDIT_ACTIONS))
                if self.last_at is not None and r["at"] < self.last_at:
                    self.refuse(t, number, "at", r["at"], expected=texts.BACKUP_EXPECT_AT)
                self.last_at = r["at"]
                if r["batch_id"] is not None or r["action"] in ("import", "targets", "undo"):
                    self._batch(t, number, r, "batch_id", r["branch"])

    def _first(self, t: sa.Table, chunk: Chunk, bad, column: str, expected: str) -> None:
        """Refuse the first row where ``bad`` (a boolean array) holds, if any."""
        where = np.flatnonzero(bad)
        if len(where):
            i = int(where[0])
            self.refuse(t, chunk.numbers[i], column, chunk.columns[column][i], expected=expected)

    def _register_rows(self, key: str, t: sa.Table, chunk: Chunk) -> None:
        """A chunk of register rows, column-wise: ids increasing, branch and batches consistent,
        values as an import validates them, period and hash as the store computes them."""
        c = chunk.columns
        ids = np.array(c["id"], dtype=np.int64)
        previous = np.concatenate([[self.last_id.get(t.name, 0)], ids[:-1]])
        self._first(t, chunk, (ids < 1) | (ids <= previous), "id", texts.BACKUP_EXPECT_ID)
        self.last_id[t.name] = int(ids[-1])
        blank = {b for b in set(c["branch"]) if not b.strip()}
        self._first(t, chunk, [b in blank for b in c["branch"]], "branch", texts.BACKUP_EXPECT_TEXT)
        if self.branch is not None:
            self._first(t, chunk, [b != self.branch for b in c["branch"]], "branch",
                        texts.BACKUP_EXPECT_BRANCH.format(branch=self.branch))
        for column in ("batch_id", "removed_by"):
            unknown = {(i, b) for i, b in set(zip(c[column], c["branch"]))
                       if i is not None and self.batches.get(i, ("",))[0] != b}
            self._first(t, chunk, [p in unknown for p in zip(c[column], c["branch"])], column,
                        texts.BACKUP_EXPECT_BATCH)
        removed = np.array([0 if r is None else r for r in c["removed_by"]], dtype=np.int64)
        self._first(t, chunk, (removed != 0) & (removed <= np.array(c["batch_id"], dtype=np.int64)), "removed_by",
                    texts.BACKUP_EXPECT_REMOVED)
        self._register(key, t, chunk)

    def _register(self, key: str, t: sa.Table, chunk: Chunk) -> None:
        """Register values as an import validates them, then the row's period and hash as the
        store computes them from the stored values."""
        reg = schema.REGISTERS[key]
        raw = pd.DataFrame({k: pd.Series(chunk.columns[k], dtype=object) for k in reg.keys})
        raw["_row"] = chunk.numbers
        typed, issues = validate_frame(key, raw, file_name=self.file_name, sheet=sheet_name(t),
                                       today=date(DATE_YEARS[1], 12, 31))  # no "future date" warnings
        errors = [i for i in issues if i.level == "error"]
        if errors:
            raise _Refused(texts.BACKUP_INVALID_ROW.format(message=errors[0].message, more=len(errors) - 1)
                           if len(errors) > 1 else texts.BACKUP_INVALID_ONE.format(message=errors[0].message))
        # The stored values as the store reads them (not as validation normalises them): the hash
        # proves the row is the one that was stored.
        prepared = _prepare(reg, schema.coerce(raw, reg))
        for column, computed in (("period", prepared["_period"]), ("row_hash", prepared["_hash"])):
            wrong = np.array(chunk.columns[column], dtype=object) != computed.to_numpy(dtype=object)
            if wrong.any():
                self._first(t, chunk, wrong, column, texts.BACKUP_EXPECT_COMPUTED.format(
                    value=computed.iloc[int(np.flatnonzero(wrong)[0])]))


# --- restore -----------------------------------------------------------------------------------


def _occupied(conn: sa.Connection) -> list[str]:
    """Names of the tables (other than the audit log) that hold any row."""
    return [sheet_name(t) for t in tables() if t is not AUDIT_LOG
            and conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()]


def _open(source: bytes | str | os.PathLike, file_name: str) -> tuple[BinaryIO, int]:
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(source), len(source)
    try:
        handle = open(source, "rb")
    except FileNotFoundError:
        raise _Refused(texts.READER_NO_FILE.format(file=source)) from None
    return handle, os.fstat(handle.fileno()).st_size


def _branch_held(conn: sa.Connection, branch: str) -> list[str]:
    """Names of the tables holding rows of ``branch`` (its audit rows aside)."""
    return [sheet_name(t) for t in tables() if "branch" in t.c and t is not AUDIT_LOG
            and conn.execute(sa.select(sa.literal(1)).select_from(t).where(t.c.branch == branch).limit(1)).first()]


def scope_of(source: bytes | str | os.PathLike, file_name: str) -> dict | None:
    """The branch a branch backup holds ({"id", "name", "kind"}), None for a whole-database backup
    (or the old format); ``BackupRefused`` when the file is no backup. Reads the manifest only."""
    handle, _ = _open(source, file_name)
    with handle:
        try:
            archive = zipfile.ZipFile(handle)
            if MANIFEST not in archive.namelist():
                return None
        except (zipfile.BadZipFile, OSError, EOFError):
            return None
        backup_file = _Zip(handle, file_name)
        backup_file.check()
        return backup_file.scope


def branch_store(store: Store, scope: dict) -> Store:
    """The store of the branch a branch backup holds, on ``store``'s database: its record (by key),
    made with the backup's name and kind when the database has none (``cli.py restore``). Refused
    when the backup's name belongs to another record."""
    from data import branches

    with store.transaction(lock="branches") as conn:
        found = conn.execute(sa.select(BRANCHES.c.id).where(BRANCHES.c.id == scope["id"])).first()
        if found is None:
            name = branches.check_name(scope["name"])
            taken = conn.execute(sa.select(BRANCHES.c.name).where(
                sa.or_(BRANCHES.c.name.in_([name, scope["id"]]), BRANCHES.c.id == name))).first()
            kind = BranchKind(scope["kind"])
            if taken is not None or (kind == BranchKind.ORGANISATION and branches.organisation(conn)):
                raise _Refused(texts.BACKUP_BRANCH_NAME_TAKEN.format(name=name))
            org = branches.organisation(conn)
            conn.execute(sa.insert(BRANCHES).values(
                id=scope["id"], name=name, kind=kind.value, created_at=utcnow(),
                parent=org.id if org is not None and kind == BranchKind.BRANCH else None))
    return store.reopen(scope["id"])


def restore(store: Store, source: bytes | str | os.PathLike, *, file_name: str, user: str,
            branch_only: bool = False) -> int:
    """Load a backup (bytes or a path; format 2, or a format-1 workbook) in one transaction; returns
    the rows restored. A whole-database backup goes into an empty database only; a branch backup
    into ``store``'s branch, which must be the backup's and hold no rows yet. ``branch_only`` (a
    branch admin's restore) refuses a whole-database backup."""
    handle, size = _open(source, file_name)
    with handle:
        if size > MAX_BACKUP_BYTES:
            raise _Refused(texts.BACKUP_FILE_TOO_BIG.format(file=file_name, size=_mb(size),
                                                            limit=_mb(MAX_BACKUP_BYTES)))
        try:
            archive = zipfile.ZipFile(handle)
            modern = MANIFEST in archive.namelist()
        except (zipfile.BadZipFile, OSError, EOFError):
            modern = False
        handle.seek(0)
        if modern:
            backup_file = _Zip(handle, file_name)
            backup_file.check()
            scope = backup_file.scope
            if scope is not None and scope["id"] != store.branch:
                raise _Refused(texts.BACKUP_BRANCH_OTHER.format(file=file_name, backup=scope["name"],
                                                                branch=store.branch_name))
            if scope is None and branch_only:
                raise _Refused(texts.BACKUP_NOT_BRANCH.format(file=file_name))
            backup_file.verify()
            tables_rows: dict[str, Callable[[], Iterable]] = {t.name: (lambda t=t: backup_file.rows(t))
                                                              for t in METADATA.sorted_tables}
            records = backup_file.branches
        else:
            from data.safety import MAX_FILE_BYTES

            scope, records = None, []
            if branch_only:
                raise _Refused(texts.BACKUP_NOT_BRANCH.format(file=file_name))
            # The old format is one workbook, read whole: the upload safety check's size cap.
            legacy = _read_legacy(handle.read(MAX_FILE_BYTES + 1), file_name)
            tables_rows = {name: (lambda rows=rows, t=METADATA.tables[name]: (
                _chunk(t, rows[i:i + CHUNK_ROWS]) for i in range(0, len(rows), CHUNK_ROWS)))
                for name, rows in legacy.items()}
        digest = hashlib.sha256()
        handle.seek(0)
        while block := handle.read(READ_BLOCK):
            digest.update(block)
        return _load(store, tables_rows, file_name=file_name, user=user, sha256=digest.hexdigest(), scope=scope,
                     records=records)


def _chunk(t: sa.Table, records: list[tuple[int, dict]]) -> Chunk:
    return Chunk([n for n, _ in records], {c.name: [r[c.name] for _, r in records] for c in t.columns})


def _inserter(conn: sa.Connection, t: sa.Table, with_ids: bool) -> Callable[[Chunk], None]:
    """Insert a chunk's rows. SQLite: straight through the driver's executemany, each distinct value
    through SQLAlchemy's own bind processing for its type (the stored form stays SQLAlchemy's);
    PostgreSQL: SQLAlchemy's executemany."""
    names = [c.name for c in t.columns if with_ids or c.name != "id"]
    if conn.dialect.name != "sqlite":
        return lambda chunk: conn.execute(sa.insert(t), [dict(zip(names, v)) for v in
                                                         zip(*(chunk.columns[n] for n in names))])
    compiled = sa.insert(t).compile(dialect=conn.dialect, column_keys=names)
    order = list(compiled.positiontup)
    processors = {c.name: c.type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in t.columns}

    def insert(chunk: Chunk) -> None:
        columns = []
        for name in order:
            values, process = chunk.columns[name], processors[name]
            if process is not None:
                done = {v: process(v) for v in set(values) - {None}}
                values = [None if v is None else done[v] for v in values]
            columns.append(values)
        conn.exec_driver_sql(compiled.string, list(zip(*columns)))
    return insert


def _renumbered(t: sa.Table, chunk: Chunk, batch_ids: dict[int, int]) -> Chunk:
    """A branch backup's chunk with its batch references moved to the batches' new ids (its own
    ids are left to the database: ``_inserter(with_ids=False)`` leaves them out)."""
    columns = dict(chunk.columns)
    for column in t.columns:
        if any(fk.column.table is BATCHES for fk in column.foreign_keys):  # batch_id, a register's removed_by
            columns[column.name] = [None if v is None else batch_ids[v] for v in columns[column.name]]
    return Chunk(chunk.numbers, columns)


def _insert_batches(conn: sa.Connection, chunk: Chunk, batch_ids: dict[int, int]) -> None:
    """A branch backup's batches, one at a time (ids in the backup's order, whatever other
    processes insert meanwhile: undo reads "later" from the id), noting each new id."""
    names = [c.name for c in BATCHES.columns if c.name != "id"]
    for old, values in zip(chunk.columns["id"], zip(*(chunk.columns[n] for n in names))):
        batch_ids[old] = conn.execute(sa.insert(BATCHES).values(dict(zip(names, values)))
                                      .returning(BATCHES.c.id)).scalar_one()


def _load(store: Store, tables_rows: dict[str, Callable[[], Iterable]], *, file_name: str, user: str,
          sha256: str, scope: dict | None = None, records: list[dict] = ()) -> int:
    checker = _Checker(file_name, branch=scope["id"] if scope else None)
    counts: dict[str, int] = {}
    batch_ids: dict[int, int] = {}  # a branch backup's batch id -> the id stored
    with store.transaction() as conn:
        if scope is None:
            occupied = _occupied(conn)
            if occupied:
                raise _Refused(texts.BACKUP_NOT_EMPTY.format(tables="、".join(occupied)))
            keep_audit_ids = conn.execute(sa.select(sa.func.count()).select_from(AUDIT_LOG)).scalar_one() == 0
        else:
            held = _branch_held(conn, store.branch)
            if held:
                raise _Refused(texts.BACKUP_BRANCH_NOT_EMPTY.format(branch=store.branch_name, tables="、".join(held)))
            keep_audit_ids = False
        try:
            for t in METADATA.sorted_tables:
                counts[t.name] = 0
                insert = _inserter(conn, t, with_ids=scope is None and (t is not AUDIT_LOG or keep_audit_ids))
                for chunk in tables_rows[t.name]():
                    checker.check(t, chunk)
                    if scope is not None and t is BATCHES:
                        _insert_batches(conn, chunk, batch_ids)
                    else:
                        insert(_renumbered(t, chunk, batch_ids) if scope is not None else chunk)
                    counts[t.name] += len(chunk.numbers)
        except sa.exc.IntegrityError:
            raise _Refused(texts.BACKUP_INCONSISTENT.format(file=file_name)) from None
        # A whole backup into an empty database: its branch records, with the names they had (the records
        # a store start made from the rows' keys are updated; the app role may not delete records).
        try:
            for r in records:
                values = {"name": r["name"], "kind": r["kind"], "parent": r["parent"]}
                if not conn.execute(sa.update(BRANCHES).where(BRANCHES.c.id == r["id"]).values(values)).rowcount:
                    conn.execute(sa.insert(BRANCHES).values(id=r["id"], created_at=utcnow(), **values))
        except sa.exc.IntegrityError:
            raise _Refused(texts.BACKUP_INCONSISTENT.format(file=file_name)) from None
        if conn.dialect.name == "postgresql" and scope is None:
            for t in (BATCHES, AUDIT_LOG, ALIASES, *TABLES.values()):
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {t.name}), 0) + 1, false)"))
        total = sum(counts.values())
        described = "、".join(f"{sheet_name(t)} {counts[t.name]}" for t in tables())
        write_audit(conn, branch=store.branch, user=user, action="restore", file_name=file_name,
                    sha256=sha256, rows_added=total,
                    detail=texts.AUDIT_DETAIL_RESTORE.format(rows=total, tables=described))
    return total
