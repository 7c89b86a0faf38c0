"""The branch's own words: values and headers a branch writes its own way, mapped once and
recognised at every later check (issue #12.7).

A *value* alias maps a text in a fixed-choice column to one of its values ("理论中心组学习" in
学习教育「类型」 is 集中学习); a *header* alias maps a header to a register column ("学习内容" is the
「主题」 column). They are stored per branch in the ``aliases`` table (``data.tables.ALIASES``), every
change in one transaction with its audit row. Nothing is deleted: removing an alias marks it removed
(the undo of an add), and adding it again undoes a removal. ``vocabulary(store)`` is what the reader
and the validator take (``read_workbook(..., aliases=)``), and the template's dropdowns list the
value aliases too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from data import schema, texts
from data.audit import write_audit
from data.errors import AliasRefused
from data.store import Store
from data.tables import ALIASES, utcnow
from data.texts import local_time

KINDS = ("value", "header")
MAX_LENGTH = 100


@dataclass(frozen=True)
class Vocabulary:
    """A branch's aliases as the reader and validator use them (keys are ``schema.header_key``)."""

    # register key -> header key -> column key
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # register key -> column key -> value key -> canonical value
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    # register key -> column key -> the aliases as written (for the template's dropdowns)
    written: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def header_columns(self, register: str) -> dict[str, schema.Column]:
        reg = schema.REGISTERS[register]
        return {key: reg.column(col) for key, col in self.headers.get(register, {}).items()}

    def dropdown(self, register: str, column: str) -> list[str]:
        return list(self.written.get(register, {}).get(column, []))


NONE = Vocabulary()


def _live(store: Store):
    return sa.and_(ALIASES.c.branch == store.branch, ALIASES.c.removed_at.is_(None))


def vocabulary(store: Store) -> Vocabulary:
    """The branch's live aliases."""
    with store.engine.begin() as conn:
        rows = conn.execute(sa.select(ALIASES.c.kind, ALIASES.c.register, ALIASES.c.column_key, ALIASES.c.alias,
                                      ALIASES.c.target).where(_live(store)).order_by(ALIASES.c.id)).all()
    headers: dict[str, dict[str, str]] = {}
    values: dict[str, dict[str, dict[str, str]]] = {}
    written: dict[str, dict[str, list[str]]] = {}
    for kind, register, column, alias, target in rows:
        if register not in schema.REGISTERS:
            continue
        if kind == "header":
            headers.setdefault(register, {})[schema.header_key(alias)] = column
        else:
            values.setdefault(register, {}).setdefault(column, {})[schema.header_key(alias)] = target
            written.setdefault(register, {}).setdefault(column, []).append(alias)
    return Vocabulary(headers, values, written)


def list_aliases(store: Store) -> pd.DataFrame:
    """The branch's live aliases: id, kind, register, register_name, column, column_label, alias, target
    (the canonical value; for a header alias, the column's label), created_by, created_at (naive UTC),
    oldest first."""
    cols = [ALIASES.c.id, ALIASES.c.kind, ALIASES.c.register, ALIASES.c.column_key, ALIASES.c.alias,
            ALIASES.c.target, ALIASES.c.created_by, ALIASES.c.created_at]
    with store.engine.begin() as conn:
        rows = conn.execute(sa.select(*cols).where(_live(store)).order_by(ALIASES.c.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "kind", "register", "column", "alias", "target", "created_by",
                                        "created_at"])
    frame.insert(3, "register_name", [schema.REGISTERS[r].name if r in schema.REGISTERS else r
                                      for r in frame["register"]])
    frame.insert(5, "column_label", [_label(r, c) for r, c in zip(frame["register"], frame["column"])])
    frame["target"] = [label if kind == "header" else target
                       for kind, label, target in zip(frame["kind"], frame["column_label"], frame["target"])]
    return frame.astype({"id": "int64"})


def _label(register: str, column: str) -> str:
    try:
        return schema.REGISTERS[register].column(column).label
    except KeyError:
        return column


def describe(row) -> str:
    """One alias (a ``list_aliases`` row) in Chinese."""
    register, column = schema.REGISTERS[row["register"]].name, _label(row["register"], row["column"])
    if row["kind"] == "header":
        return texts.ALIAS_WHAT_HEADER.format(register=register, alias=row["alias"], column=column)
    return texts.ALIAS_WHAT_VALUE.format(register=register, column=column, alias=row["alias"], target=row["target"])


def line(row) -> str:
    """One alias as the CLI lists it."""
    register, column = schema.REGISTERS[row["register"]].name, _label(row["register"], row["column"])
    fields = dict(id=row["id"], register=register, column=column, alias=row["alias"], user=row["created_by"],
                  time=local_time(row["created_at"]))
    if row["kind"] == "header":
        return texts.ALIAS_HEADER_LINE.format(**fields)
    return texts.ALIAS_VALUE_LINE.format(target=row["target"], **fields)


# --- resolving what a user typed --------------------------------------------------------------------

def resolve_register(value: str) -> schema.Register:
    """A register by key, Chinese name or sheet alias."""
    if value in schema.REGISTERS:
        return schema.REGISTERS[value]
    reg = schema.register_by_sheet(value)
    if reg is None:
        known = "、".join(f"{r.name}（{r.key}）" for r in schema.REGISTERS.values())
        raise AliasRefused(texts.ALIAS_BAD_REGISTER.format(value=value, known=known))
    return reg


def resolve_column(reg: schema.Register, value: str) -> schema.Column:
    """A column of ``reg`` by key, label or one of its built-in headers."""
    key = schema.header_key(value)
    for col in reg.columns:
        if value == col.key or key in {schema.header_key(h) for h in col.headers}:
            return col
    known = "、".join(c.label for c in reg.columns)
    raise AliasRefused(texts.ALIAS_BAD_COLUMN.format(register=reg.name, value=value, known=known))


def _builtin_value(reg: schema.Register, col: schema.Column, text: str) -> str | None:
    key = schema.header_key(text)
    lookup = {schema.header_key(v): v for v in col.values}
    lookup.update({schema.header_key(a): v for a, v in col.value_aliases.items()})
    return lookup.get(key)


def _builtin_header(reg: schema.Register, text: str) -> schema.Column | None:
    key = schema.header_key(text)
    for col in reg.columns:
        if key in {schema.header_key(h) for h in col.headers}:
            return col
    return None


# --- changes ----------------------------------------------------------------------------------------

def add_alias(store: Store, *, kind: str, register: str, column: str, alias: str, target: str | None = None,
              user: str) -> int:
    """Store one alias for the branch (audited, one transaction); returns its id. ``register`` and
    ``column`` may be keys or Chinese names; ``target`` is the canonical value (kind "value")."""
    if kind not in KINDS:
        raise ValueError(f"unknown alias kind: {kind}")
    reg = resolve_register(register)
    col = resolve_column(reg, column)
    text = schema.normalize_text(alias)
    if not text:
        raise AliasRefused(texts.ALIAS_EMPTY)
    if len(text) > MAX_LENGTH:
        raise AliasRefused(texts.ALIAS_TOO_LONG.format(max=MAX_LENGTH))
    if kind == "value":
        enums = [c for c in reg.columns if c.kind == schema.ENUM]
        if col.kind != schema.ENUM:
            raise AliasRefused(texts.ALIAS_NOT_ENUM.format(register=reg.name, column=col.label,
                                                           known="、".join(c.label for c in enums)))
        canonical = _builtin_value(reg, col, target or "")
        if canonical is None:
            raise AliasRefused(texts.ALIAS_BAD_TARGET.format(value=target or "", column=col.label,
                                                             known="、".join(col.values)))
        known = _builtin_value(reg, col, text)
        if known is not None:
            raise AliasRefused(texts.ALIAS_KNOWN_VALUE.format(alias=text, column=col.label, target=known))
        target = canonical
    else:
        known_col = _builtin_header(reg, text)
        if known_col is not None:
            raise AliasRefused(texts.ALIAS_KNOWN_HEADER.format(alias=text, column=known_col.label))
        target = None
    with store.transaction() as conn:
        same = sa.and_(_live(store), ALIASES.c.kind == kind, ALIASES.c.register == reg.key)
        if kind == "value":
            same = sa.and_(same, ALIASES.c.column_key == col.key)
        for other_id, other in conn.execute(sa.select(ALIASES.c.id, ALIASES.c.alias).where(same)).all():
            if schema.header_key(other) == schema.header_key(text):
                raise AliasRefused(texts.ALIAS_TAKEN.format(alias=text, id=other_id))
        alias_id = conn.execute(sa.insert(ALIASES).values(
            branch=store.branch, kind=kind, register=reg.key, column_key=col.key, alias=text, target=target,
            created_at=utcnow(), created_by=user)).inserted_primary_key[0]
        what = describe({"kind": kind, "register": reg.key, "column": col.key, "alias": text, "target": target})
        write_audit(conn, branch=store.branch, user=user, action="alias_add", detail=f"{alias_id}: {what}")
    return int(alias_id)


def remove_alias(store: Store, alias_id: int, *, user: str) -> str:
    """Mark one of the branch's aliases removed (audited); returns what it was, in Chinese."""
    with store.transaction() as conn:
        row = conn.execute(sa.select(ALIASES.c.kind, ALIASES.c.register, ALIASES.c.column_key.label("column"),
                                     ALIASES.c.alias, ALIASES.c.target)
                           .where(_live(store), ALIASES.c.id == int(alias_id))).mappings().first()
        if row is None:
            raise AliasRefused(texts.ALIAS_UNKNOWN.format(id=alias_id))
        conn.execute(sa.update(ALIASES).where(ALIASES.c.id == int(alias_id)).values(
            removed_at=utcnow(), removed_by=user))
        what = describe(row)
        write_audit(conn, branch=store.branch, user=user, action="alias_remove", detail=f"{alias_id}: {what}")
    return what
