"""The store: registers kept in a database, one import batch at a time.

Every register (``schema.REGISTERS``) has one table (``data.tables``) holding its rows with their
period, ``row_hash`` (``data.rowid``), the batch that added them and the batch that replaced them.

An import replaces, per register, the periods the file covers: the multiset of incoming row
hashes is compared with the live rows of each period; rows in both are kept (with their original
batch), new rows are inserted, missing rows are marked ``removed_by``. Undo deletes a batch's
rows and revives the rows it replaced. Every write is one transaction that holds the write lock
(SQLite: WAL + ``BEGIN IMMEDIATE`` + busy timeout; PostgreSQL: a transaction-level advisory lock
per branch), so concurrent imports from several processes are serialised, never lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from data import branches, schema, texts
from data.audit import describe_changes, write_audit
from data.bulk import gc_paused
from data.errors import ImportChanged, StaleEdit, UndoRefused
from data.rowid import prepare
from data.settings import load_settings
from data.tables import (AUDIT_SQLITE_INSERT_TRIGGERS, BATCH_REGISTERS, BATCHES, METADATA, OLD_INDEXES, ORG_METADATA,
                         TABLES, BatchKind, BatchStatus, utcnow)
from data.texts import local_time
from data.validate import DATE_YEARS

BUSY_TIMEOUT_MS = 30_000
_log = logging.getLogger(__name__)

# --- results ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class PeriodChange:
    register: str
    period: str
    added: int
    removed: int
    kept: int

    @property
    def period_label(self) -> str:
        """The period as people read it: YYYY-MM, YYYY, or 全部 for a register kept whole."""
        return texts.STORE_PERIOD_ALL if self.period == schema.Period.ALL else self.period


# Import modes: "replace" (替换) makes the periods a file covers hold exactly its rows, removing stored
# rows the file lacks; "append" (追加/补录) only adds the file's rows that are not stored yet, never removes.
MODES = ("replace", "append")


@dataclass(kw_only=True)
class ImportResult:
    batch_id: int | None = None  # the new batch (the undone one for ``Store.undo``); None if none
    changes: list[PeriodChange]
    nothing_to_do: bool = False
    dry_run: bool = False
    undone: bool = False  # True for the result of ``Store.undo``
    mode: str = "replace"
    # register key -> ids of the stored rows the import removes (or, dry run, would remove);
    # ``Store.rows_by_id`` lists them.
    removals: dict[str, list[int]] = field(default_factory=dict)

    @property
    def removed_by_period(self) -> list[PeriodChange]:
        """The register-periods in which stored rows are removed."""
        return [c for c in self.changes if c.removed]

    @property
    def added(self) -> int:
        return sum(c.added for c in self.changes)

    @property
    def removed(self) -> int:
        return sum(c.removed for c in self.changes)

    @property
    def kept(self) -> int:
        return sum(c.kept for c in self.changes)

    @property
    def message(self) -> str:
        """One Chinese sentence describing the result, for the UI and the CLI."""
        if self.nothing_to_do:
            return texts.STORE_NOTHING_TO_DO
        template = (texts.STORE_UNDONE if self.undone
                    else texts.STORE_DRY_RUN if self.dry_run else texts.STORE_IMPORTED)
        return template.format(batch_id=self.batch_id, added=self.added,
                               removed=self.removed, kept=self.kept)


# --- engine ----------------------------------------------------------------------------------

_ENGINES: dict[tuple[str, int], sa.Engine] = {}
_ENGINES_LOCK = threading.Lock()
_WRITE = "dj_write"  # execution option marking a write transaction


def _sqlite_connect(dbapi_conn, _record) -> None:
    # Let SQLAlchemy emit BEGIN itself (SQLAlchemy docs, "Transactions with SQLite").
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def get_engine(url: str) -> sa.Engine:
    """One engine per URL and process (engines must not cross a fork)."""
    key = (url, os.getpid())
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = sa.create_engine(url)
            if engine.dialect.name == "sqlite":
                sa.event.listen(engine, "connect", _sqlite_connect)
                sa.event.listen(engine, "begin", _sqlite_begin)
            _ENGINES[key] = engine
        return engine


def all_metadata() -> list[sa.MetaData]:
    """Every table the app uses, by MetaData: the registers and bookkeeping (``METADATA``, what a
    backup holds), the branch records, and the sign-in sessions and failed sign-in counts (kept in
    their own modules' MetaData, outside backups). A store creates all of them."""
    from data import sessions, signin_limits  # they import this module

    return [METADATA, ORG_METADATA, sessions.METADATA, signin_limits.METADATA]


def _lock_key(name: str) -> int:
    """A signed 64-bit key for pg_advisory_xact_lock, stable across processes."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


class _JsonArray(sa.sql.expression.FunctionElement):
    """The aggregate of a column's values as one JSON array (NULL as null): ``json_group_array`` on
    SQLite, ``json_agg`` on PostgreSQL. ``Store._columns`` reads a narrow frame with it."""

    name = "json_array"
    inherit_cache = True


@compiles(_JsonArray, "sqlite")
def _json_array_sqlite(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    if isinstance(next(iter(element.clauses)).type, sa.Float):
        # SQLite's JSON writes a REAL with 15 significant digits and infinity as bare Inf (not JSON):
        # as text with 17 digits every double survives exactly. Anything else (NULL, text stored by
        # hand) passes as it is.
        column = f"CASE WHEN typeof({column}) IN ('real', 'integer') THEN printf('%!.17g', {column}) ELSE {column} END"
    return f"json_group_array({column})"


@compiles(_JsonArray, "postgresql")
def _json_array_postgresql(element, compiler, **kw) -> str:
    return f"json_agg({compiler.process(element.clauses, **kw)})"


# --- the store -------------------------------------------------------------------------------


@dataclass
class _Plan:
    register: str
    rows: pd.DataFrame  # prepared incoming rows to insert
    remove_ids: list[int]
    changes: list[PeriodChange]


class Store:
    """The registers of one branch (支部) in one database: every read and write is scoped to it.

    ``branch`` is a branch's name (or its key, e.g. an old name); default: the deployment's
    (``DJ_BRANCH``). A name without a record gets one when ``create`` (the deployment's own branch on
    first start), else ``branches.UnknownBranch``. ``self.branch`` is the record's stable key, the
    value every row holds; ``self.branch_name`` the name people see.
    """

    def __init__(self, url: str | None = None, *, branch: str | None = None, create: bool = True):
        settings = load_settings() if url is None or branch is None else None
        self.url: str = url or settings.database_url
        self.engine: sa.Engine = get_engine(self.url)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        # Reads of several statements must see one state. A SQLite read transaction is one snapshot;
        # PostgreSQL's default (READ COMMITTED) takes a new one per statement, so a batch committed
        # between two of them would show up half.
        self._snapshot = (self.engine.execution_options(isolation_level="REPEATABLE READ")
                          if self.engine.dialect.name == "postgresql" else self.engine)
        self._ensure_tables()
        self.record: branches.Branch = self._open_branch(branch or settings.branch, create)
        self.branch: str = self.record.id
        self.branch_name: str = self.record.name

    def _open_branch(self, name: str, create: bool) -> branches.Branch:
        with self.engine.begin() as conn:
            found = branches.find(conn, name)
            unsynced = branches.sync_needed(conn)
        if found is not None and not unsynced:
            return found
        with self.transaction(lock="branches") as conn:
            branches.sync(conn)
            found = branches.find(conn, name)
            if found is None:
                if not create:
                    return branches.get(conn, name)  # raises UnknownBranch
                found = branches.insert(conn, name)
            return found

    def reopen(self, name: str) -> Store:
        """A store on the same database scoped to another existing branch (or the organisation)."""
        return Store(self.url, branch=name, create=False)

    def parent_targets(self) -> pd.DataFrame | None:
        """The organisation's targets (the defaults this branch inherits), or None when the branch
        has no organisation above it."""
        if not self.record.parent:
            return None
        return self.reopen(self.record.parent).load("targets")

    # -- transactions --

    @property
    def _is_pg(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[sa.Connection]:
        """A write transaction holding this branch's write lock (all of a change in one commit)."""
        with self._writer.begin() as conn:
            if self._is_pg:
                key = _lock_key(lock or f"branch:{self.branch}")
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
            yield conn

    def _ensure_tables(self) -> None:
        """Create the tables (every ``all_metadata()`` one) a database lacks: on PostgreSQL with the
        role split this runs as the owner at setup (``deploy/postgres-setup.sql``), so the app role,
        which may not create anything, finds every table there."""
        present = set(sa.inspect(self.engine).get_table_names())
        metadatas = all_metadata()
        if all(t.name in present for t in METADATA.sorted_tables):
            if self.engine.dialect.name == "sqlite":  # databases made before these triggers existed
                with self.engine.connect() as conn:
                    have = set(conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
                if not set(AUDIT_SQLITE_INSERT_TRIGGERS) <= have:
                    with self.transaction(lock="schema") as conn:
                        for ddl in AUDIT_SQLITE_INSERT_TRIGGERS.values():
                            conn.exec_driver_sql(ddl)
            if all(t.name in present for m in metadatas for t in m.sorted_tables):
                self._migrate_indexes()
                return
        with self.transaction(lock="schema") as conn:
            for m in metadatas:
                m.create_all(conn)
        self._migrate_indexes()

    def _migrate_indexes(self) -> None:
        """Indexes of existing tables (``create_all`` makes only missing tables): each index of
        ``METADATA`` a database lacks is created and each of ``OLD_INDEXES`` dropped, once. On
        PostgreSQL with the role split only the owner may: the app role logs it and goes on (the
        owner's upgrade step, deploy/postgres-setup.sql, does it)."""
        dialect = self.engine.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            return
        with self.engine.connect() as conn:
            have = set(conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'" if dialect == "sqlite"
                else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").scalars())
        stale = sorted(n for n in OLD_INDEXES if n in have)
        wanted = [i for t in METADATA.sorted_tables for i in t.indexes if i.name not in have]
        if not stale and not wanted:
            return
        try:
            with self.transaction(lock="schema") as conn:
                for name in stale:
                    conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
                for index in wanted:
                    index.create(conn, checkfirst=True)
        except sa.exc.ProgrammingError as err:  # PostgreSQL: the app role owns no table
            _log.warning("indexes not migrated (run a CLI command as the owner role): %s", err.orig)

    def audit(self, action: str, *, user: str, **fields) -> int:
        """Append one audit row for a change made outside import and undo (a user change, a
        backup); ``fields`` as ``write_audit``. Returns the row's id."""
        with self.transaction() as conn:
            return write_audit(conn, branch=self.branch, user=user, action=action, **fields)

    # -- import --

    def import_frames(self, frames: dict[str, pd.DataFrame], *, file_name: str, sha256: str,
                      user: str, kind: BatchKind = BatchKind.IMPORT, dry_run: bool = False, mode: str = "replace",
                      expect: dict[tuple[str, str], str] | None = None,
                      expect_removals: dict[str, list[int]] | None = None) -> ImportResult:
        """Replace the periods the frames cover (``mode="replace"``) or only add the rows not stored yet
        (``mode="append"``: a row equal to a stored one, by row hash, is not added twice; nothing is
        removed; the batch's kind is ``BatchKind.APPEND``). One transaction. Dry run writes nothing.

        ``expect`` {(register, period): version}: the ``period_version`` each period had when the
        user loaded it; if any differs inside the write transaction, ``StaleEdit`` and nothing is
        stored (an editor saving over a change it has not seen). ``expect_removals``: the
        ``removals`` a confirmed preview showed; if the import would now remove other rows (another
        import landed meanwhile), ``ImportChanged`` and nothing is written."""
        if mode not in MODES:
            raise ValueError(f"unknown import mode: {mode}")
        if mode == "append" and kind == BatchKind.IMPORT:
            kind = BatchKind.APPEND
        with gc_paused():
            return self._import_frames(frames, file_name, sha256, user, kind, dry_run, mode, expect or {},
                                       expect_removals)

    def period_version(self, register: str, period: str, conn: sa.Connection | None = None) -> str:
        """A token of the live rows of one period of a register (sha256 of their sorted row
        hashes): equal tokens, equal rows."""
        if conn is None:
            with self.engine.begin() as conn:
                return self.period_version(register, period, conn)
        t = TABLES[register]
        hashes = conn.execute(sa.select(t.c.row_hash).where(
            t.c.branch == self.branch, t.c.period == period, t.c.removed_by.is_(None))).scalars().all()
        return hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()

    def _import_frames(self, frames: dict[str, pd.DataFrame], file_name: str, sha256: str, user: str, kind: BatchKind,
                       dry_run: bool, mode: str, expect: dict[tuple[str, str], str],
                       expect_removals: dict[str, list[int]] | None) -> ImportResult:
        prepared = {key: prepare(schema.REGISTERS[key], frames[key])
                    for key in schema.REGISTER_KEYS if key in frames}
        unknown = set(frames) - set(prepared)
        if unknown:
            raise KeyError(f"unknown registers: {sorted(unknown)}")
        append = mode == "append"
        if dry_run:
            with self.engine.begin() as conn:
                plans = [self._plan(conn, key, rows, append) for key, rows in prepared.items()]
            changes = [c for p in plans for c in p.changes]
            return ImportResult(changes=changes, nothing_to_do=_nothing(changes), dry_run=True, mode=mode,
                                removals=_removals(plans))
        with self.transaction() as conn:
            stale = [k for k, v in expect.items() if self.period_version(*k, conn) != v]
            if stale:
                raise StaleEdit(texts.STORE_STALE_EDIT)
            plans = [self._plan(conn, key, rows, append) for key, rows in prepared.items()]
            if expect_removals is not None and _removals(plans) != expect_removals:
                raise ImportChanged(texts.STORE_REMOVALS_CHANGED.format(file=file_name))
            changes = [c for p in plans for c in p.changes]
            if _nothing(changes):
                return ImportResult(changes=changes, nothing_to_do=True, mode=mode)
            batch_id = conn.execute(sa.insert(BATCHES).values(
                branch=self.branch, file_name=file_name, sha256=sha256, user=user,
                created_at=utcnow(), kind=str(kind), status=BatchStatus.ACTIVE.value,
                added=sum(c.added for c in changes), removed=sum(c.removed for c in changes),
                kept=sum(c.kept for c in changes),
            )).inserted_primary_key[0]
            for plan in plans:
                if plan.changes:
                    self._apply(conn, plan, batch_id)
            write_audit(conn, branch=self.branch, user=user, action=str(kind), file_name=file_name,
                        sha256=sha256, batch_id=batch_id, rows_added=sum(c.added for c in changes),
                        rows_removed=sum(c.removed for c in changes), detail=describe_changes(changes))
        return ImportResult(batch_id=batch_id, changes=changes, mode=mode, removals=_removals(plans))

    def _plan(self, conn: sa.Connection, key: str, rows: pd.DataFrame, append: bool = False) -> _Plan:
        periods = sorted(rows["_period"].unique())
        if not periods:
            return _Plan(key, rows, [], [])
        t = TABLES[key]
        live = _frame(conn.execute(
            sa.select(t.c.id, t.c.period, t.c.row_hash)
            .where(t.c.branch == self.branch, t.c.period.in_(periods), t.c.removed_by.is_(None))
            .order_by(t.c.id)
        ).all(), ["id", "_live_period", "_hash"])
        if live.empty:  # nothing stored for these periods yet: every row is new
            added = rows["_period"].value_counts()
            changes = [PeriodChange(register=key, period=p, added=int(added[p]), removed=0, kept=0)
                       for p in periods]
            return _Plan(key, rows, [], changes)
        # The hash covers the period column, so equal hashes imply equal periods: the n-th
        # incoming copy of a row matches the n-th live copy (by id), whatever the period.
        incoming = rows[["_period", "_hash"]].astype(object)
        incoming["_occ"] = incoming.groupby("_hash").cumcount()
        live["_occ"] = live.groupby("_hash").cumcount()
        merged = incoming.reset_index().merge(live, on=["_hash", "_occ"], how="outer",
                                              indicator=True)
        merged["_period"] = merged["_period"].fillna(merged["_live_period"])
        side = merged["_merge"].astype(str)
        if append:  # stored rows the file lacks stay: neither removed nor counted as kept
            merged = merged.loc[side != "right_only"]
            side = side.loc[merged.index]
        counts = pd.crosstab(merged["_period"], side).reindex(
            index=periods, columns=["left_only", "right_only", "both"], fill_value=0)
        changes = [PeriodChange(register=key, period=p, added=int(r.left_only), removed=int(r.right_only),
                                kept=int(r.both)) for p, r in counts.iterrows()]
        add_index = merged.loc[side == "left_only", "index"].astype(int).sort_values()
        remove_ids = sorted(int(i) for i in merged.loc[side == "right_only", "id"])
        return _Plan(key, rows.loc[add_index.to_numpy()], remove_ids, changes)

    def _apply(self, conn: sa.Connection, plan: _Plan, batch_id: int) -> None:
        t = TABLES[plan.register]
        if plan.remove_ids:
            conn.execute(
                sa.update(t).where(t.c.id == sa.bindparam("rid")).values(removed_by=batch_id),
                [{"rid": i} for i in plan.remove_ids],
            )
        if len(plan.rows):
            reg = schema.REGISTERS[plan.register]
            names = ["period", "row_hash", "seq", *reg.keys]
            columns = [plan.rows[c].tolist() for c in ("_period", "_hash", "_seq", *reg.keys)]
            if conn.dialect.name == "sqlite":
                _insert_sqlite(conn, t, reg, self.branch, batch_id, names, columns)
            else:
                fixed = {"branch": self.branch, "batch_id": batch_id}
                rows = zip(*columns)
                while batch := [{**fixed, **dict(zip(names, v))} for v in itertools.islice(rows, INSERT_BATCH)]:
                    conn.execute(sa.insert(t), batch)
        conn.execute(sa.insert(BATCH_REGISTERS).values(
            batch_id=batch_id, register=plan.register,
            periods=",".join(c.period for c in plan.changes),
            added=sum(c.added for c in plan.changes), removed=sum(c.removed for c in plan.changes),
            kept=sum(c.kept for c in plan.changes),
        ))

    # -- undo --

    def undo(self, batch_id: int, *, user: str) -> ImportResult:
        """Undo a batch: drop its rows, revive the rows it replaced. Refused when superseded."""
        with self.transaction() as conn:
            batch = conn.execute(sa.select(BATCHES).where(
                BATCHES.c.id == batch_id, BATCHES.c.branch == self.branch)).mappings().first()
            if batch is None:
                raise UndoRefused(texts.STORE_UNDO_UNKNOWN.format(batch_id=batch_id))
            if batch["status"] != BatchStatus.ACTIVE:
                raise UndoRefused(texts.STORE_UNDO_ALREADY.format(
                    batch_id=batch_id, time=local_time(batch["undone_at"])))
            history = self._history(conn)
            later = _superseded_by(history, batch_id)
            if later is not None:
                row = history.loc[later]
                raise UndoRefused(texts.STORE_UNDO_SUPERSEDED.format(
                    batch_id=batch_id, later_id=later, file_name=row["file_name"],
                    time=local_time(row["created_at"])))
            changes = []
            for register, periods in history.loc[batch_id, "pairs"].items():
                t = TABLES[register]
                deleted = _count_by_period(conn, t, t.c.batch_id == batch_id)
                revived = _count_by_period(conn, t, t.c.removed_by == batch_id)
                live = _count_by_period(conn, t, sa.and_(
                    t.c.branch == self.branch, t.c.removed_by.is_(None), t.c.period.in_(periods)))
                changes += [PeriodChange(register=register, period=p, added=revived.get(p, 0),
                                         removed=deleted.get(p, 0), kept=live.get(p, 0) - deleted.get(p, 0))
                            for p in periods]
                conn.execute(sa.update(t).where(t.c.removed_by == batch_id).values(removed_by=None))
                conn.execute(sa.delete(t).where(t.c.batch_id == batch_id))
            conn.execute(sa.update(BATCHES).where(BATCHES.c.id == batch_id).values(
                status=BatchStatus.UNDONE.value, undone_at=utcnow(), undone_by=user))
            write_audit(conn, branch=self.branch, user=user, action="undo",
                        file_name=batch["file_name"], sha256=batch["sha256"], batch_id=batch_id,
                        rows_added=sum(c.added for c in changes),
                        rows_removed=sum(c.removed for c in changes),
                        detail=describe_changes(changes))
        return ImportResult(batch_id=batch_id, changes=changes, undone=True)

    def _history(self, conn: sa.Connection) -> pd.DataFrame:
        """This branch's batches indexed by id, newest first, with ``pairs`` {register: periods}."""
        cols = [BATCHES.c[c] for c in ("id", "created_at", "user", "file_name", "sha256", "kind",
                                       "status", "undone_at", "undone_by",
                                       "added", "removed", "kept")]
        batches = pd.DataFrame(conn.execute(
            sa.select(*cols).where(BATCHES.c.branch == self.branch).order_by(BATCHES.c.id.desc())
        ).all(), columns=[c.name for c in cols]).set_index("id", drop=False)
        regs = conn.execute(
            sa.select(BATCH_REGISTERS.c.batch_id, BATCH_REGISTERS.c.register,
                      BATCH_REGISTERS.c.periods)
            .join(BATCHES, BATCHES.c.id == BATCH_REGISTERS.c.batch_id)
            .where(BATCHES.c.branch == self.branch)
        ).all()
        pairs: dict[int, dict[str, list[str]]] = {int(i): {} for i in batches.index}
        for bid, register, periods in regs:
            pairs[bid][register] = periods.split(",")
        batches["pairs"] = pd.Series(pairs, dtype=object)
        return batches

    # -- reads --

    def batches(self) -> pd.DataFrame:
        """All batches of this branch, newest first, with registers, periods and ``undoable``."""
        with self._snapshot.begin() as conn:
            history = self._history(conn)
        order = {k: i for i, k in enumerate(schema.REGISTER_KEYS)}

        def names(pairs: dict) -> str:
            return "、".join(schema.REGISTERS[k].name for k in sorted(pairs, key=order.get))

        def periods(pairs: dict) -> str:
            return ",".join(sorted({p for ps in pairs.values() for p in ps}))

        out = history.assign(
            registers=history["pairs"].map(names),
            periods=history["pairs"].map(periods),
            undoable=[s == BatchStatus.ACTIVE and _superseded_by(history, i) is None
                      for i, s in zip(history.index, history["status"])],
        )
        columns = ["id", "created_at", "user", "file_name", "sha256", "kind", "status", "registers",
                   "periods", "added", "removed", "kept", "undoable", "undone_at", "undone_by"]
        dtypes = {c: "str" for c in columns}
        dtypes |= {c: "int64" for c in ("id", "added", "removed", "kept")}
        dtypes |= {"created_at": "datetime64[ns]", "undone_at": "datetime64[ns]", "undoable": bool}
        return out[columns].reset_index(drop=True).astype(dtypes)

    def batch_details(self, batch_id: int) -> pd.DataFrame:
        """Per register of one batch: register key, register name, periods, added, removed, kept."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(BATCH_REGISTERS.c.register, BATCH_REGISTERS.c.periods,
                          BATCH_REGISTERS.c.added, BATCH_REGISTERS.c.removed,
                          BATCH_REGISTERS.c.kept)
                .join(BATCHES, BATCHES.c.id == BATCH_REGISTERS.c.batch_id)
                .where(BATCHES.c.id == batch_id, BATCHES.c.branch == self.branch)
            ).all()
        out = pd.DataFrame(rows, columns=["register", "periods", "added", "removed", "kept"])
        out.insert(1, "register_name", out["register"].map(lambda k: schema.REGISTERS[k].name))
        order = {k: i for i, k in enumerate(schema.REGISTER_KEYS)}
        return out.sort_values("register", key=lambda s: s.map(order)).reset_index(drop=True)

    def load(self, register: str, *, year: int | None = None, date_from=None,
             date_to=None, years: list[int] | None = None, columns=None) -> pd.DataFrame:
        """Live rows of this branch as a typed frame (schema contract) plus _row, id, batch_id;
        ``years`` limits a dated register to those calendar years in one query.

        ``columns`` (schema column keys): only those columns, in schema order, without _row, id and
        batch_id, in the same row order and index as the whole frame: the narrow frame the metrics
        read (``metrics.frames.metric_columns``). It is read column-wise: the database builds one
        JSON array per column (``_JsonArray``), a few C-level parses instead of a Python tuple per
        row, about three times faster on 100k rows; the values and types are the whole frame's."""
        reg = schema.REGISTERS[register]
        t = TABLES[register]
        keys = reg.keys
        if columns is not None:
            unknown = set(columns) - set(reg.keys)
            if unknown:
                raise KeyError(f"{register}: unknown columns {sorted(unknown)}")
            keys = [k for k in reg.keys if k in set(columns)]
            if not keys:
                raise ValueError(f"{register}: no columns to load")
        # Dated registers by date, the roster in its workbook's order (seq).
        order_col = t.c[reg.period_column] if reg.period_column else t.c.seq
        where = [t.c.branch == self.branch, t.c.removed_by.is_(None)]
        if reg.period == schema.Period.MONTH:
            if year is not None:
                where.append(order_col.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            if years is not None:
                where.append(sa.or_(sa.false(), *(
                    order_col.between(dt.date(y, 1, 1), dt.date(y, 12, 31)) for y in sorted(set(years)))))
            if date_from is not None:
                where.append(order_col >= pd.Timestamp(date_from).date())
            if date_to is not None:
                where.append(order_col <= pd.Timestamp(date_to).date())
        elif reg.period == schema.Period.YEAR and year is not None:
            where.append(order_col == int(year))
        if columns is not None:
            raw = self._columns(t, reg, keys, [c.name for c in (order_col, t.c.seq, t.c.id)], where)
            if raw is None:
                raw = self._rows(t, keys, (), order_col, where)
            return _typed(_readable(raw, reg), reg, keys)
        extra = ("_row", "id", "batch_id")
        raw = self._rows(t, keys, extra, order_col, where)
        return schema.coerce(_readable(raw, reg), reg).astype(dict.fromkeys(extra, "Int64"))

    def _rows(self, t: sa.Table, keys: list[str], extra: tuple[str, ...], order_col, where: list) -> pd.DataFrame:
        """The rows ``where`` selects, row by row, as an object frame of ``keys`` and ``extra`` (_row,
        id, batch_id), ordered by ``order_col``, seq and id."""
        stored = {"_row": t.c.seq, "id": t.c.id, "batch_id": t.c.batch_id}
        query = sa.select(*(t.c[k] for k in keys), *(stored[e] for e in extra)).where(*where)
        with self.engine.begin() as conn:
            # The driver's rows as they are (dates as ISO text on SQLite): SQLAlchemy's per-value
            # result processing costs more than the query on 100k rows; coerce types whole columns.
            rows = conn.execute(query.order_by(order_col, t.c.seq, t.c.id)).cursor.fetchall()
        return _frame(rows, [*keys, *extra])

    def _columns(self, t: sa.Table, reg: schema.Register, keys: list[str], order: list[str],
                 where: list) -> pd.DataFrame | None:
        """The ``keys`` columns of the rows ``where`` selects, one JSON array per column built by the
        database in one pass (so the arrays line up row for row), sorted by ``order`` (column names,
        e.g. date, seq, id) as ``ORDER BY`` sorts them; None when an order value is not a clean date
        or integer (stored by hand) or an array would be too big for the database, for the caller
        to read row by row instead."""
        names = list(dict.fromkeys([*keys, *order]))
        try:
            with self.engine.begin() as conn:
                found = conn.execute(sa.select(*(_JsonArray(t.c[n]) for n in names)).where(*where)).cursor.fetchone()
        except (sa.exc.DataError, sa.exc.OperationalError):  # an array past the database's size limit
            return None  # (SQLite: 1 GB a value): the row-by-row read has none
        # SQLite returns JSON text; psycopg parses json itself; PostgreSQL aggregates no row to NULL.
        values = {n: json.loads(v) if isinstance(v, str) else (v or []) for n, v in zip(names, found)}
        by = {k: _array(values[k], reg.column(k).kind) for k in keys}
        ranks = np.arange(len(values[names[0]]))
        if len(ranks):
            sort = [by[n] if n in by and by[n].dtype.kind in "Mi" else np.array(values[n]) for n in order]
            if any(a.dtype.kind not in "Mi" for a in sort):
                return None
            ranks = np.lexsort(sort[::-1])
        return pd.DataFrame({k: by[k][ranks] for k in keys})

    def rows_by_id(self, register: str, ids: list[int]) -> pd.DataFrame:
        """Rows of this branch by id (live or removed), as ``load`` returns them plus ``period``, in
        date/source order: e.g. the stored rows a replace removes (``ImportResult.removals``)."""
        reg = schema.REGISTERS[register]
        t = TABLES[register]
        found = []
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 10_000):  # within every database's bound-parameter limit
                chunk = [int(i) for i in ids[start:start + 10_000]]
                found += conn.execute(
                    sa.select(*(t.c[k] for k in reg.keys), t.c.seq, t.c.id, t.c.batch_id, t.c.period)
                    .where(t.c.branch == self.branch, t.c.id.in_(chunk))).all()
        raw = _frame(found, [*reg.keys, "_row", "id", "batch_id", "period"])
        extra = ("_row", "id", "batch_id")
        frame = schema.coerce(raw, reg).astype(dict.fromkeys(extra, "Int64"))
        frame["period"] = raw["period"].astype("str")
        by = [reg.period_column, "_row", "id"] if reg.period_column else ["_row", "id"]
        return frame.sort_values(by, kind="stable").reset_index(drop=True)

    def last_import(self) -> dict | None:
        """{"id", "created_at", "user", "file_name"} of the latest active batch, or None."""
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(BATCHES.c.id, BATCHES.c.created_at, BATCHES.c.user, BATCHES.c.file_name)
                .where(BATCHES.c.branch == self.branch, BATCHES.c.status == BatchStatus.ACTIVE.value)
                .order_by(BATCHES.c.id.desc()).limit(1)
            ).mappings().first()
        return dict(row) if row else None

    def years(self, registers: list[str] | None = None) -> list[int]:
        """Years with live activity rows (of ``registers``, activity register keys; default all), ascending."""
        found: set[int] = set()
        with self.engine.begin() as conn:
            for key in schema.ACTIVITY_REGISTERS if registers is None else registers:
                t = TABLES[key]
                found |= {int(p[:4]) for p in conn.execute(
                    sa.select(t.c.period).distinct()
                    .where(t.c.branch == self.branch, t.c.removed_by.is_(None))).scalars()}
        return sorted(found)

    def version(self) -> tuple[int, int]:
        """Changes whenever any write (import, undo, target edit) lands for this branch or for the
        organisation above it (whose targets it inherits): the key that caches of derived data are
        invalidated by (latest batch id, undone batches). Read from the database, so a write by
        any process shows at once."""
        scope = [self.branch, *([self.record.parent] if self.record.parent else [])]
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(BATCHES.c.id), 0),
                          sa.func.count(BATCHES.c.undone_at))
                .where(BATCHES.c.branch.in_(scope))).one()
        return int(row[0]), int(row[1])

    def register_versions(self) -> dict[str, tuple[int, int]]:
        """``version`` per register key, counting only the batches that wrote the register (every
        import lists them in ``batch_registers``; an undo marks its batch undone and touches only
        those registers): a cache of one register's rows stays valid while an import into another
        register lands. The organisation's batches count for ``targets`` only (what a branch inherits).
        One query, read from the database like ``version``."""
        scope = [self.branch, *([self.record.parent] if self.record.parent else [])]
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(BATCH_REGISTERS.c.register, BATCHES.c.branch, sa.func.max(BATCHES.c.id),
                          sa.func.count(BATCHES.c.undone_at))
                .join(BATCHES, BATCHES.c.id == BATCH_REGISTERS.c.batch_id)
                .where(BATCHES.c.branch.in_(scope))
                .group_by(BATCH_REGISTERS.c.register, BATCHES.c.branch)).all()
        out = dict.fromkeys(schema.REGISTER_KEYS, (0, 0))
        for register, branch, latest, undone in rows:
            if register in out and (branch == self.branch or register == "targets"):
                before = out[register]
                out[register] = (max(before[0], int(latest)), before[1] + int(undone))
        return out

    def year_versions(self) -> dict[tuple[str, int], tuple[int, int]]:
        """``register_versions`` per (monthly register, year), this branch's batches only: those that
        wrote rows of that year (the periods each batch lists in ``batch_registers``; an import or undo
        changes rows of those periods only). An import of this year's months leaves last year's entry
        as it was, so a cache of last year's rows stays valid (``ui.cache``)."""
        dated = [k for k, r in schema.REGISTERS.items() if r.period == schema.Period.MONTH]
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(BATCH_REGISTERS.c.register, BATCH_REGISTERS.c.periods, BATCHES.c.id, BATCHES.c.undone_at)
                .join(BATCHES, BATCHES.c.id == BATCH_REGISTERS.c.batch_id)
                .where(BATCHES.c.branch == self.branch, BATCH_REGISTERS.c.register.in_(dated))).all()
        out: dict[tuple[str, int], tuple[int, int]] = {}
        for register, periods, batch_id, undone_at in rows:
            for year in {int(p[:4]) for p in periods.split(",") if p[:4].isdigit()}:
                latest, undone = out.get((register, year), (0, 0))
                out[(register, year)] = (max(latest, int(batch_id)), undone + (undone_at is not None))
        return out

    def is_empty(self) -> bool:
        """No live row in any register (a first look that stops at the first row found, unlike ``counts``)."""
        with self.engine.begin() as conn:
            return not any(conn.execute(
                sa.select(t.c.id).where(t.c.branch == self.branch, t.c.removed_by.is_(None)).limit(1)).first()
                for t in TABLES.values())

    def frames(self, years: list[int] | None = None, columns=None) -> dict[str, pd.DataFrame]:
        """Every register as typed frames, activity registers limited to ``years`` when given:
        the input the ``metrics`` functions take. ``columns`` {register: column keys}: those
        registers narrowed as ``load(columns=...)`` narrows them (the others whole)."""
        out = {}
        for key, reg in schema.REGISTERS.items():
            narrow = None if columns is None else columns.get(key)
            if years is not None and reg.period == schema.Period.MONTH:
                out[key] = self.load(key, years=years, columns=narrow)
            else:
                out[key] = self.load(key, columns=narrow)
        return out

    def counts(self) -> dict[str, int]:
        """Live rows per register."""
        with self.engine.begin() as conn:
            return {key: conn.execute(
                sa.select(sa.func.count()).select_from(t)
                .where(t.c.branch == self.branch, t.c.removed_by.is_(None))).scalar_one()
                for key, t in TABLES.items()}


def _readable(raw: pd.DataFrame, reg: schema.Register) -> pd.DataFrame:
    """Stored values no import accepts (written before the checks existed, or by hand) as empty:
    inf, -inf and non-numbers in number columns, dates outside ``DATE_YEARS`` (0001-01-01). Every
    reader of stored rows (overview, indicators, report, exports) takes its frames from here, so
    none of them meets such a value; each is logged by row id, never by content."""
    out = raw
    for col in reg.columns:
        if col.key not in raw:  # a narrow frame (``Store.load(columns=...)``)
            continue
        values = raw[col.key]
        if col.kind == schema.FLOAT:
            nums = pd.to_numeric(values, errors="coerce").astype("float64")
            bad = values.notna() & ~np.isfinite(nums)
        elif col.kind == schema.DATE:
            days = pd.to_datetime(values, errors="coerce")  # a coarser unit than ns past year 2262
            lo, hi = pd.Timestamp(DATE_YEARS[0], 1, 1), pd.Timestamp(DATE_YEARS[1], 12, 31)
            bad = values.notna() & ~days.between(lo, hi)
        else:
            continue
        if bad.any():
            ids = raw["id"][bad.to_numpy()].head(10).tolist() if "id" in raw else ["?"]  # ? in a narrow frame
            _log.warning("%s.%s: %d stored value(s) out of range read as empty (row ids %s)", reg.table, col.key,
                         int(bad.sum()), ", ".join(map(str, ids)))
            out = out.assign(**{col.key: values.where(~bad, None)})
    return out


def _array(values: list, kind: schema.Kind):
    """One column of ``Store._columns`` (JSON values, None for NULL) as an array: numpy dates and
    floats when every value parses as one, a ``str`` array for text, else objects, which
    ``_readable`` and ``schema.coerce`` then judge exactly as they judge a row-by-row read."""
    try:
        if kind == schema.DATE:
            return np.array(values, dtype="datetime64[s]")  # ISO text (SQLite, PostgreSQL's date JSON)
        if kind == schema.FLOAT:
            return np.array(values, dtype="float64")  # None -> NaN; "Inf" (SQLite) and "Infinity" parse
    except (TypeError, ValueError):  # a value stored by hand
        pass
    if kind in schema.TEXT_KINDS:
        return pd.array(values, dtype="str")
    return np.array(values, dtype=object)


def _typed(raw: pd.DataFrame, reg: schema.Register, keys: list[str]) -> pd.DataFrame:
    """The ``keys`` columns of ``raw`` in the contract's dtypes (``schema.coerce`` for a narrow frame)."""
    return pd.DataFrame({k: reg.column(k).kind.coerce(raw[k]) for k in keys}, index=raw.index)


def _removals(plans: list[_Plan]) -> dict[str, list[int]]:
    return {p.register: p.remove_ids for p in plans if p.remove_ids}


def _nothing(changes: list[PeriodChange]) -> bool:
    return all(c.added == 0 and c.removed == 0 for c in changes)


def _superseded_by(history: pd.DataFrame, batch_id: int) -> int | None:
    """The newest later active batch touching any (register, period) of ``batch_id``."""
    mine = history.loc[batch_id, "pairs"]
    for later_id, row in history.iterrows():  # newest first
        if later_id <= batch_id:
            break
        if row["status"] == BatchStatus.ACTIVE and any(
                set(mine.get(reg, ())) & set(periods) for reg, periods in row["pairs"].items()):
            return int(later_id)
    return None


def _frame(rows: list, columns: list[str]) -> pd.DataFrame:
    """Result rows as an object frame, built column-wise (fast for 100k rows)."""
    data = list(zip(*rows)) or [()] * len(columns)
    return pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in zip(columns, data)})


# Rows handed to the driver at a time (all in the one transaction): the tuples of a 100k-row import
# would otherwise take ~20 MB at once.
INSERT_BATCH = 10_000


def _insert_sqlite(conn: sa.Connection, t: sa.Table, reg: schema.Register, branch: str, batch_id: int,
                   names: list[str], columns: list[list]) -> None:
    """Insert rows straight through the driver's executemany: SQLAlchemy's per-value bind
    processing costs several times the insert itself on 100k rows. Dates are written as SQLAlchemy's
    SQLite dialect stores them (YYYY-MM-DD), so reads see no difference."""
    dates = {c.key for c in reg.columns if c.kind == schema.DATE}
    columns = [_isoformat(values) if name in dates else values for name, values in zip(names, columns)]
    by_name = {"branch": itertools.repeat(branch), "batch_id": itertools.repeat(batch_id),
               **dict(zip(names, columns))}
    compiled = sa.insert(t).compile(dialect=conn.dialect, column_keys=list(by_name))
    rows = zip(*(by_name[name] for name in compiled.positiontup))
    while batch := list(itertools.islice(rows, INSERT_BATCH)):
        conn.exec_driver_sql(compiled.string, batch)


def _isoformat(days: list) -> list:
    text = {d: d.isoformat() for d in set(days) - {None}}
    return [text.get(d) for d in days]


def _count_by_period(conn: sa.Connection, t: sa.Table, where) -> dict[str, int]:
    return dict(conn.execute(
        sa.select(t.c.period, sa.func.count()).where(where).group_by(t.c.period)).all())
