"""The audit log: who changed what, when, from which file (sha256), with how many rows.

The table (``data.tables.AUDIT_LOG``) sits beside the batches it describes. ``write_audit`` appends
a row inside the caller's transaction: the store's for each import, undo and target change; user
changes, backups and restores are recorded too (``Store.audit``, ``data.backup``). Nothing updates
or deletes a row: the rest of this module only reads, and the database refuses UPDATE and DELETE
on the table (triggers). The store imports this module, never the other way round.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
import xlsxwriter

from data import schema, texts
from data.export import HEADER_STYLE, neutralize
from data.tables import AUDIT_ACTIONS, AUDIT_LOG, utcnow
from data.texts import display_width, local_time

if TYPE_CHECKING:
    from data.store import Store

COLUMNS = ("id", "at", "user", "action", "file_name", "sha256", "batch_id", "rows_added",
           "rows_removed", "detail")
_NUMBERS = {"id", "batch_id", "rows_added", "rows_removed"}
_TEXTS = ("file_name", "sha256", "detail")


def write_audit(conn: sa.Connection, *, branch: str, user: str, action: str,
                file_name: str | None = None, sha256: str | None = None, batch_id: int | None = None,
                rows_added: int = 0, rows_removed: int = 0, detail: str | None = None) -> int:
    """Append one audit row inside the caller's transaction; returns its id."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    return conn.execute(sa.insert(AUDIT_LOG).values(
        at=utcnow(), branch=branch, user=user, action=action, file_name=file_name, sha256=sha256,
        batch_id=batch_id, rows_added=int(rows_added), rows_removed=int(rows_removed), detail=detail,
    )).inserted_primary_key[0]


def describe_changes(changes: list) -> str:
    """The registers and periods of ``PeriodChange``s, in Chinese, for the audit log's detail."""
    periods: dict[str, list[str]] = {}
    for c in changes:
        if c.added or c.removed:
            periods.setdefault(c.register, []).append(c.period_label)
    return texts.AUDIT_DETAIL_SEP.join(
        texts.AUDIT_DETAIL_PART.format(register=schema.REGISTERS[k].name, periods="、".join(ps))
        for k, ps in periods.items())


@dataclass(frozen=True)
class AuditFilter:
    date_from: date | None = None  # local dates, inclusive
    date_to: date | None = None
    users: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()


def _utc(day: date) -> datetime:
    """Local midnight of ``day`` as naive UTC (the stored form)."""
    return datetime.combine(day, time()).astimezone(UTC).replace(tzinfo=None)


def entries(store: Store, filters: AuditFilter = AuditFilter()) -> pd.DataFrame:
    """This branch's audit rows matching ``filters``, newest first; ``at`` is naive UTC."""
    t = AUDIT_LOG
    query = sa.select(*(t.c[c] for c in COLUMNS)).where(t.c.branch == store.branch)
    if filters.date_from:
        query = query.where(t.c.at >= _utc(filters.date_from))
    if filters.date_to:
        query = query.where(t.c.at < _utc(filters.date_to + timedelta(days=1)))
    if filters.users:
        query = query.where(t.c.user.in_(filters.users))
    if filters.actions:
        query = query.where(t.c.action.in_(filters.actions))
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(t.c.id.desc())).all()
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"id": "int64", "at": "datetime64[ns]", "batch_id": "Int64",
                         "rows_added": "int64", "rows_removed": "int64"})


def users(store: Store) -> list[str]:
    """Every user name in this branch's audit log, sorted (the page's user filter)."""
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(AUDIT_LOG.c.user).distinct()
                                 .where(AUDIT_LOG.c.branch == store.branch)
                                 .order_by(AUDIT_LOG.c.user)).scalars())


def display(frame: pd.DataFrame) -> pd.DataFrame:
    """``entries`` for people: local time, Chinese action names and headers, all text or numbers."""
    shown = frame.assign(
        at=[local_time(v) for v in frame["at"]],
        action=[texts.AUDIT_ACTIONS.get(a, a) for a in frame["action"]],
        **{c: frame[c].fillna("") for c in _TEXTS},
    )
    return shown[list(COLUMNS)].rename(columns=texts.AUDIT_COLUMNS)


def records(frame: pd.DataFrame) -> list[dict]:
    """``entries`` as JSON-ready dicts (``at`` in ISO 8601 with a Z: UTC)."""
    out = []
    for row in frame.itertuples(index=False):
        item = {c: getattr(row, c) for c in COLUMNS}
        item["at"] = pd.Timestamp(item["at"]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        item |= {c: None if pd.isna(item[c]) else item[c] for c in _TEXTS}
        item["batch_id"] = None if pd.isna(item["batch_id"]) else int(item["batch_id"])
        item |= {c: int(item[c]) for c in ("id", "rows_added", "rows_removed")}
        out.append(item)
    return out


def _cells(frame: pd.DataFrame) -> tuple[list[str], list[list]]:
    """Headers and rows of ``display(frame)``: ints for the number columns, else str or None."""
    shown = display(frame)
    numeric = [c in _NUMBERS for c in COLUMNS]
    rows = [[None if pd.isna(v) else int(v) if num else str(v) for v, num in zip(row, numeric)]
            for row in shown.itertuples(index=False)]
    return list(shown.columns), rows


def to_xlsx(frame: pd.DataFrame) -> bytes:
    """``entries`` as an .xlsx (text neutralised against formulas, frozen header, autofilter)."""
    headers, rows = _cells(frame)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = book.add_format(HEADER_STYLE)
    sheet = book.add_worksheet(texts.AUDIT_SHEET)
    widths = [display_width(h) + 2 for h in headers]
    for j, header in enumerate(headers):
        sheet.write_string(0, j, header, bold)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(i, j, neutralize(value))
                widths[j] = max(widths[j], min(display_width(value) + 2, 60))
            elif value is not None:
                sheet.write_number(i, j, value)
    for j, width in enumerate(widths):
        sheet.set_column(j, j, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(headers) - 1)
    book.close()
    return buffer.getvalue()


def to_csv(frame: pd.DataFrame) -> bytes:
    """``entries`` as CSV: UTF-8 with BOM, every field quoted, text neutralised against formulas."""
    headers, rows = _cells(frame)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else neutralize(v) if isinstance(v, str) else str(v)
                         for v in row])
    return out.getvalue().encode("utf-8-sig")
