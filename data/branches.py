"""Branches (支部) and the organisation above them (机关党委 / 机关工委) as records.

Every stored row carries its branch's stable key (``branches.id``, the name the branch was first
stored under); people see ``branches.name``. Renaming a branch changes that one record, so every
row, batch and audit entry keeps pointing at it, and the append-only audit log is never rewritten.
A database made before branches were records gets a record for every branch key found in its
batches and audit log the first time a store opens it (``sync``); so does a restored backup.

Resolving a name looks at names first, then at keys: a deployment whose ``DJ_BRANCH`` still says
a branch's old name keeps opening that branch after a rename.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa

from data import texts
from data.audit import write_audit
from data.errors import DataError
from data.tables import AUDIT_LOG, BATCHES, BRANCHES, BranchKind, utcnow

MAX_NAME_CHARS = 64


class UnknownBranch(DataError):
    """A branch name that names no branch record."""


@dataclass(frozen=True)
class Branch:
    id: str  # the stable key rows carry
    name: str  # the name people see
    kind: BranchKind
    parent: str | None
    created_at: dt.datetime

    @property
    def is_organisation(self) -> bool:
        return self.kind == BranchKind.ORGANISATION


def check_name(name: str) -> str:
    """The name as stored (NFC), or ``DataError`` for an empty, padded, over-long or odd name."""
    name = unicodedata.normalize("NFC", name or "")
    bad = (not name or name != name.strip() or len(name) > MAX_NAME_CHARS
           or any(unicodedata.category(ch).startswith("C") for ch in name))
    if bad:
        raise DataError(texts.BRANCH_NAME_BAD.format(max=MAX_NAME_CHARS))
    return name


def _row(row) -> Branch:
    return Branch(id=row.id, name=row.name, kind=BranchKind(row.kind), parent=row.parent,
                  created_at=row.created_at)


def all_records(conn: sa.Connection) -> list[Branch]:
    """The organisation (if any) first, then the branches by name."""
    rows = conn.execute(sa.select(BRANCHES)).all()
    records = [_row(r) for r in rows]
    return sorted(records, key=lambda b: (not b.is_organisation, b.name))


def branches(conn: sa.Connection) -> list[Branch]:
    """The branches (not the organisation), by name."""
    return [b for b in all_records(conn) if not b.is_organisation]


def organisation(conn: sa.Connection) -> Branch | None:
    row = conn.execute(sa.select(BRANCHES).where(BRANCHES.c.kind == BranchKind.ORGANISATION.value)).first()
    return _row(row) if row else None


def find(conn: sa.Connection, name: str) -> Branch | None:
    """The record called ``name``, else the one whose key is ``name`` (an old name), else None."""
    name = unicodedata.normalize("NFC", name)
    for column in (BRANCHES.c.name, BRANCHES.c.id):
        row = conn.execute(sa.select(BRANCHES).where(column == name)).first()
        if row:
            return _row(row)
    return None


def get(conn: sa.Connection, name: str) -> Branch:
    """``find``, or ``UnknownBranch`` naming the known branches."""
    found = find(conn, name)
    if found is None:
        known = "、".join(b.name for b in all_records(conn)) or texts.BRANCH_NONE
        raise UnknownBranch(texts.BRANCH_UNKNOWN.format(name=name, known=known))
    return found


def _taken(conn: sa.Connection, name: str, except_id: str | None = None) -> bool:
    """Whether ``name`` is some other record's name or key (either would make it ambiguous)."""
    query = sa.select(sa.func.count()).select_from(BRANCHES).where(
        sa.or_(BRANCHES.c.name == name, BRANCHES.c.id == name))
    if except_id is not None:
        query = query.where(BRANCHES.c.id != except_id)
    return conn.execute(query).scalar_one() > 0


def insert(conn: sa.Connection, name: str, kind: BranchKind = BranchKind.BRANCH) -> Branch:
    """Add a record (inside the caller's transaction); a branch's parent is the organisation."""
    name = check_name(name)
    if _taken(conn, name):
        raise DataError(texts.BRANCH_EXISTS.format(name=name))
    org = organisation(conn)
    if kind == BranchKind.ORGANISATION and org is not None:
        raise DataError(texts.BRANCH_ORG_EXISTS.format(name=org.name))
    parent = org.id if org is not None and kind == BranchKind.BRANCH else None
    conn.execute(sa.insert(BRANCHES).values(id=name, name=name, kind=kind.value, parent=parent,
                                            created_at=utcnow()))
    if kind == BranchKind.ORGANISATION:  # branches made before the organisation join it
        conn.execute(sa.update(BRANCHES).where(BRANCHES.c.kind == BranchKind.BRANCH.value)
                     .values(parent=name))
    return get(conn, name)


def add(conn: sa.Connection, name: str, *, user: str, kind: BranchKind = BranchKind.BRANCH) -> Branch:
    """``insert`` and record it in the new record's audit log."""
    record = insert(conn, name, kind)
    write_audit(conn, branch=record.id, user=user, action="branch_add",
                detail=texts.AUDIT_DETAIL_BRANCH_ADD.format(name=record.name,
                                                            kind=texts.BRANCH_KINDS[record.kind]))
    return record


def rename(conn: sa.Connection, old: str, new: str, *, user: str) -> Branch:
    """Rename a record (one row; every stored row keeps its key), audited."""
    record = get(conn, old)
    new = check_name(new)
    if new == record.name:
        return record
    if _taken(conn, new, except_id=record.id):
        raise DataError(texts.BRANCH_EXISTS.format(name=new))
    conn.execute(sa.update(BRANCHES).where(BRANCHES.c.id == record.id).values(name=new))
    write_audit(conn, branch=record.id, user=user, action="branch_rename",
                detail=texts.AUDIT_DETAIL_BRANCH_RENAME.format(old=record.name, new=new))
    return get(conn, new)


def sync_needed(conn: sa.Connection) -> bool:
    """Whether some branch key in the batches or the audit log has no record (one cheap query)."""
    known = sa.select(BRANCHES.c.id)
    return any(conn.execute(sa.select(t.c.branch).where(t.c.branch.not_in(known)).limit(1)).first()
               for t in (BATCHES, AUDIT_LOG))


def sync(conn: sa.Connection) -> list[str]:
    """Give every branch key found in the batches and the audit log a record (named by its key):
    the migration of a database made before branches were records, and of a restored backup.
    Returns the keys added."""
    known = set(conn.execute(sa.select(BRANCHES.c.id)).scalars())
    found = set(conn.execute(sa.select(BATCHES.c.branch).distinct()).scalars())
    found |= set(conn.execute(sa.select(AUDIT_LOG.c.branch).distinct()).scalars())
    missing = sorted(found - known)
    if missing:
        org = organisation(conn)
        conn.execute(sa.insert(BRANCHES), [
            {"id": key, "name": key, "kind": BranchKind.BRANCH.value, "parent": org.id if org else None,
             "created_at": utcnow()} for key in missing])
    return missing


def versions(conn: sa.Connection) -> dict[str, tuple[int, int]]:
    """Every branch key's ``Store.version()`` in one query (the organisation's writes included,
    as a branch inherits its targets): the cache key of the comparison page for many branches."""
    rows = conn.execute(sa.select(BATCHES.c.branch, sa.func.max(BATCHES.c.id), sa.func.count(BATCHES.c.undone_at))
                        .group_by(BATCHES.c.branch)).all()
    own = {b: (int(m or 0), int(u)) for b, m, u in rows}
    out = {}
    for record in all_records(conn):
        mine = own.get(record.id, (0, 0))
        parent = own.get(record.parent, (0, 0)) if record.parent else (0, 0)
        out[record.id] = (max(mine[0], parent[0]), mine[1] + parent[1])
    return out


def last_imports(conn: sa.Connection) -> dict[str, dt.datetime]:
    """Every branch key's latest active batch time (naive UTC); a branch without one is absent."""
    rows = conn.execute(sa.select(BATCHES.c.branch, sa.func.max(BATCHES.c.created_at))
                        .where(BATCHES.c.status == "active").group_by(BATCHES.c.branch)).all()
    return {b: at for b, at in rows}
