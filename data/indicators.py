"""The branch's own indicators as raw definitions: from the settings file (``[[indicators]]``) and
from the 指标设置 page (stored in ``data.tables.CUSTOM_INDICATORS``, every save audited in its
transaction). A definition is a dict as the settings file writes it::

    {"key": "work.reports", "name": "统计专报篇数", "register": "work", "agg": "sum",
     "columns": ["数量"], "unit": "篇", "filter": {"类别": ["统计专报"]}}

This module does not check them against the schema: ``metrics.catalogue.catalogue_with`` does
(the data layer does not import metrics); the page and the CLI combine the two.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import sqlalchemy as sa

from data import texts
from data.audit import write_audit
from data.schema import REGISTERS, normalize_text
from data.settings import load_settings
from data.tables import CUSTOM_INDICATORS, utcnow

FIELDS = ("key", "name", "register", "agg", "columns", "filter", "unit")
# The page's editor columns (text cells): columns and values separated by 、 or a comma,
# conditions by a semicolon, a condition written 列=值、值.
EDITOR_COLUMNS = ("key", "name", "register", "agg", "columns", "filter", "unit")
_LIST_SPLIT = re.compile(r"[、,]+")
_CONDITION_SPLIT = re.compile(r";+")


def settings_definitions() -> list[dict]:
    """The settings file's ``[[indicators]]`` tables, as written."""
    return [dict(d) if isinstance(d, dict) else d for d in load_settings().indicators]


def stored_definitions(store) -> list[dict]:
    """This branch's indicators saved on the 指标设置 page, in the page's order."""
    t = CUSTOM_INDICATORS
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.definition).where(t.c.branch == store.branch)
                            .order_by(t.c.seq)).scalars().all()
    return [json.loads(r) for r in rows]


def save_definitions(store, definitions: list[dict], *, user: str) -> tuple[int, int]:
    """Replace the branch's page indicators with ``definitions`` (already checked by
    ``metrics.catalogue.catalogue_with``) in one transaction with its audit row; returns
    (indicators saved, indicators there before)."""
    t = CUSTOM_INDICATORS
    now = utcnow()
    with store.transaction() as conn:
        before = conn.execute(sa.select(t.c.key).where(t.c.branch == store.branch)).scalars().all()
        conn.execute(sa.delete(t).where(t.c.branch == store.branch))
        if definitions:
            conn.execute(sa.insert(t), [
                {"branch": store.branch, "key": d["key"], "seq": i, "saved_at": now, "saved_by": user,
                 "definition": json.dumps(d, ensure_ascii=False)} for i, d in enumerate(definitions)])
        names = "、".join(str(d["name"]) for d in definitions) or texts.INDICATORS_NONE
        write_audit(conn, branch=store.branch, user=user, action="indicators", rows_added=len(definitions),
                    rows_removed=len(before), detail=texts.AUDIT_DETAIL_INDICATORS.format(names=names))
    return len(definitions), len(before)


def custom_names(store) -> list[tuple[str, str]]:
    """(key, name) of every custom indicator, settings file first: accepted spellings of 计划目标's 指标."""
    out = []
    for d in [*settings_definitions(), *stored_definitions(store)]:
        if isinstance(d, dict) and isinstance(d.get("key"), str) and isinstance(d.get("name"), str):
            out.append((d["key"], d["name"]))
    return out


# --- the page's editor ----------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return normalize_text(value)


def _items(text: str) -> list[str]:
    return [p.strip() for p in _LIST_SPLIT.split(text) if p.strip()]


def from_editor(rows: pd.DataFrame) -> list[dict]:
    """The editor's rows (text cells ``EDITOR_COLUMNS``) as definitions; blank rows are skipped.
    A filter cell ``类别=统计专报、专报签批; 对象=市委`` becomes ``{"类别": [...], "对象": [...]}``; a
    condition without ``=`` is kept as a column with no values (``catalogue_with`` names it)."""
    out = []
    for row in rows.to_dict("records"):
        cells = {k: _text(row.get(k)) for k in EDITOR_COLUMNS}
        if not any(cells.values()):
            continue
        conditions: dict[str, list[str]] = {}
        for part in _CONDITION_SPLIT.split(cells["filter"]):
            if not part.strip():
                continue
            column, _, values = part.partition("=")
            conditions[column.strip()] = _items(values)
        definition = {"key": cells["key"], "name": cells["name"], "register": cells["register"],
                      "agg": cells["agg"], "columns": _items(cells["columns"]), "unit": cells["unit"]}
        if conditions:
            definition["filter"] = conditions
        out.append(definition)
    return out


def to_editor(definitions: list[dict]) -> pd.DataFrame:
    """Definitions as the editor's text cells (the inverse of ``from_editor``)."""
    rows = []
    for d in definitions:
        conditions = (d.get("filter") or {}).items()
        register = d.get("register", "")
        register = REGISTERS[register].name if register in REGISTERS else register  # the editor's choices
        rows.append({"key": d.get("key", ""), "name": d.get("name", ""), "register": register,
                     "agg": d.get("agg", ""), "columns": "、".join(map(str, d.get("columns") or [])),
                     "filter": "; ".join(f"{c}={'、'.join(map(str, v if isinstance(v, list) else [v]))}"
                                         for c, v in conditions),
                     "unit": d.get("unit", "")})
    return pd.DataFrame(rows, columns=list(EDITOR_COLUMNS), dtype="str")
