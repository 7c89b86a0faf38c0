"""The database tables: one per register (built from ``schema.REGISTERS``), the import batches,
their registers and the append-only audit log, all in ``METADATA``.

Every register table has, besides its columns, the bookkeeping columns ``branch`` (支部),
``period`` (``YYYY-MM``, ``YYYY`` or ``all``: ``schema.Period``), ``row_hash`` (``data.rowid``),
``seq`` (source order, the Excel row), ``batch_id`` (the batch that added the row) and
``removed_by`` (the batch that replaced it; NULL = live).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa

from data import schema


class BatchStatus(StrEnum):
    """``batches.status`` (stored; labels in ``texts.STORE_BATCH_STATUS``)."""

    ACTIVE = "active"
    UNDONE = "undone"


class BatchKind(StrEnum):
    """``batches.kind``, also the audit action of the batch (labels in ``texts.STORE_BATCH_KIND``)."""

    IMPORT = "import"
    APPEND = "append"  # an import in 追加（补录） mode: rows added, none removed
    TARGETS = "targets"
    RESTORE = "restore"


METADATA = sa.MetaData()

BATCHES = sa.Table(
    "batches",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("branch", sa.Text, nullable=False, index=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),  # naive UTC
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("undone_at", sa.DateTime),  # naive UTC
    sa.Column("undone_by", sa.Text),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("removed", sa.Integer, nullable=False),
    sa.Column("kept", sa.Integer, nullable=False),
)

BATCH_REGISTERS = sa.Table(
    "batch_registers",
    METADATA,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), primary_key=True),
    sa.Column("register", sa.String(32), primary_key=True),
    sa.Column("periods", sa.Text, nullable=False),  # comma-joined, sorted
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("removed", sa.Integer, nullable=False),
    sa.Column("kept", sa.Integer, nullable=False),
)

# The branch's own words (data.aliases): a 类型-like value or a header the branch writes its own way,
# mapped to a canonical value or column. Rows are never deleted: a removal sets removed_at/removed_by.
ALIASES = sa.Table(
    "aliases",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("branch", sa.Text, nullable=False, index=True),
    sa.Column("kind", sa.String(10), nullable=False),  # "value" | "header"
    sa.Column("register", sa.String(32), nullable=False),
    sa.Column("column_key", sa.String(32), nullable=False),  # the column named, or whose value is mapped
    sa.Column("alias", sa.Text, nullable=False),  # as the branch writes it (normalised text)
    sa.Column("target", sa.Text),  # kind "value": the canonical value; "header": NULL
    sa.Column("created_at", sa.DateTime, nullable=False),  # naive UTC
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("removed_at", sa.DateTime),  # naive UTC
    sa.Column("removed_by", sa.Text),
)

# The audit log (data.audit writes and reads it): one row per change, written in the transaction of the change.
# Append-only: no code updates or deletes it, and triggers make the database refuse to.
AUDIT_ACTIONS = ("import", "append", "targets", "undo", "restore", "backup", "user_add", "user_password",
                 "user_remove", "alias_add", "alias_remove", "indicators", "branch_add", "branch_rename")
AUDIT_LOG = sa.Table(
    "audit_log",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),  # naive UTC
    sa.Column("branch", sa.Text, nullable=False, index=True),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("file_name", sa.Text),
    sa.Column("sha256", sa.String(64)),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id")),
    sa.Column("rows_added", sa.Integer, nullable=False),
    sa.Column("rows_removed", sa.Integer, nullable=False),
    sa.Column("detail", sa.Text),
)
_APPEND_ONLY = "audit_log is append-only"
for _when in ("UPDATE", "DELETE"):
    sa.event.listen(AUDIT_LOG, "after_create", sa.DDL(
        f"CREATE TRIGGER audit_log_no_{_when.lower()} BEFORE {_when} ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END").execute_if(dialect="sqlite"))
# INSERT OR REPLACE (and REPLACE INTO, INSERT OR IGNORE) resolves an id conflict by deleting the
# old row without firing DELETE triggers: a new row must come after every stored one. In a BEFORE
# INSERT trigger an id SQLite picks itself reads as -1; an explicit -1 (or any id below 1) is
# caught after the insert. ``Store`` adds these to SQLite databases made before they existed.
AUDIT_SQLITE_INSERT_TRIGGERS = {
    "audit_log_no_rewrite": "CREATE TRIGGER IF NOT EXISTS audit_log_no_rewrite BEFORE INSERT ON audit_log "
                            "WHEN NEW.id <> -1 AND NEW.id <= (SELECT max(id) FROM audit_log) "
                            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
    "audit_log_positive_id": "CREATE TRIGGER IF NOT EXISTS audit_log_positive_id AFTER INSERT ON audit_log "
                             f"WHEN NEW.id < 1 BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
}
for _ddl in AUDIT_SQLITE_INSERT_TRIGGERS.values():
    sa.event.listen(AUDIT_LOG, "after_create", sa.DDL(_ddl).execute_if(dialect="sqlite"))
sa.event.listen(AUDIT_LOG, "after_create", sa.DDL(
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$").execute_if(dialect="postgresql"))
sa.event.listen(AUDIT_LOG, "after_create", sa.DDL(
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()").execute_if(dialect="postgresql"))


# The branch's own indicators saved on the 指标设置 page (``data.indicators``): one row per indicator,
# its definition as the raw JSON object the settings file's [[indicators]] also gives
# (``metrics.catalogue.catalogue_with`` checks and builds them). Replaced as a whole on each save.
CUSTOM_INDICATORS = sa.Table(
    "custom_indicators",
    METADATA,
    sa.Column("branch", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),  # the order shown on the page
    sa.Column("definition", sa.Text, nullable=False),  # JSON
    sa.Column("saved_at", sa.DateTime, nullable=False),  # naive UTC
    sa.Column("saved_by", sa.Text, nullable=False),
)


class BranchKind(StrEnum):
    """``branches.kind``: the organisation above the branches (机关党委 / 机关工委), or a branch."""

    ORGANISATION = "organisation"
    BRANCH = "branch"


# The branches (and the organisation above them), in their own MetaData: ``METADATA`` is what a
# backup holds, and a restore (into an empty database) finds this table already filled by the store.
# ``id`` is the stable key every row's ``branch`` column holds (the name the branch was first stored
# under); ``name`` is what people see and may be renamed, so a rename touches one row and the
# append-only audit log stays as written. ``data.branches`` reads and writes it.
ORG_METADATA = sa.MetaData()
BRANCHES = sa.Table(
    "branches",
    ORG_METADATA,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("parent", sa.Text),  # the organisation's id; NULL for the organisation itself
    sa.Column("created_at", sa.DateTime, nullable=False),  # naive UTC
)


def _register_table(reg: schema.Register) -> sa.Table:
    return sa.Table(
        reg.table,
        METADATA,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False, index=True),
        sa.Column("removed_by", sa.Integer, sa.ForeignKey("batches.id")),
        *(sa.Column(c.key, c.kind.sql_type(), nullable=not c.required) for c in reg.columns),
        sa.Index(f"ix_{reg.table}_branch_period", "branch", "period"),
        _replaced_index(reg.table),
    )


# Replaced rows only (undo finds them by ``removed_by = batch``); live rows (removed_by NULL, nearly
# all) are never looked up through it. A full index on removed_by let SQLite's planner answer "this
# branch's live rows" (``removed_by IS NULL`` is an equality to it) by walking every branch's live
# rows instead of using (branch, period): a branch's import and reads slowed with the other branches'
# data (bench/org.py). A partial index cannot serve ``IS NULL``. ``Store`` swaps the old index of an
# existing database for this one (``OLD_INDEXES``).
_NOT_NULL = "removed_by IS NOT NULL"


def _replaced_index(table: str) -> sa.Index:
    return sa.Index(f"ix_{table}_replaced", "removed_by", sqlite_where=sa.text(_NOT_NULL),
                    postgresql_where=sa.text(_NOT_NULL))


TABLES: dict[str, sa.Table] = {key: _register_table(reg) for key, reg in schema.REGISTERS.items()}
# Indexes of earlier releases that ``Store`` drops when it finds them: name -> table.
OLD_INDEXES = {f"ix_{t.name}_removed_by": t.name for t in TABLES.values()}


def utcnow() -> dt.datetime:
    """Now as naive UTC, the form every stored time has."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
