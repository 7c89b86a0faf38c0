"""The import pipeline shared by the CLI and the upload page: read + validate every file, then
store each file as one batch (one transaction), or report what would change (dry run)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from data import schema, texts
from data.aliases import vocabulary
from data.errors import RejectedFile
from data.reader import Issue, ParsedWorkbook, SheetResult, read_workbook
from data.store import ImportResult, Store
from data.tables import BatchKind
from data.texts import local_time
from data.validate import Level, is_blank, validate_frame


def known_indicator_names() -> list[str]:
    """Every indicator name and key, catalogue order (the 计划目标 register's 指标 must be one of
    them): ``texts.INDICATOR_NAMES``, the list ``metrics.catalogue`` names its entries from."""
    return [x for key, name in texts.INDICATOR_NAMES.items() for x in (name, key)]


def indicator_key(name_or_key: object) -> str | None:
    """The key of the indicator whose key or name equals the text (normalised, spaces ignored)."""
    if not isinstance(name_or_key, str):
        return None
    wanted = schema.header_key(name_or_key).lower()
    for key, name in texts.INDICATOR_NAMES.items():
        if wanted in (key.lower(), schema.header_key(name)):
            return key
    return None


def parse(source: bytes | str | os.PathLike, file_name: str | None = None, *, today: date | None = None,
          aliases=None) -> ParsedWorkbook:
    """Read and validate one workbook. A file refused as a whole becomes a workbook with one error.
    ``aliases``: the branch's own words (``data.aliases.vocabulary(store)``)."""
    name = file_name or Path(str(source)).name
    try:
        parsed = read_workbook(source, name, today=today, indicator_names=known_indicator_names(), aliases=aliases)
    except RejectedFile as err:
        issue = Issue.error(name, err.message)
        return ParsedWorkbook(file_name=name, sha256="", sheets=[], issues=[issue], frames={})
    if "targets" in parsed.frames:
        parsed.issues.extend(_duplicate_indicators(parsed.frames["targets"], name))
    return parsed


@dataclass
class ImportOutcome:
    parsed: list[ParsedWorkbook]
    results: list[ImportResult] = field(default_factory=list)
    # The file name of each result (a workbook with no rows has no result).
    files: list[str] = field(default_factory=list)

    @property
    def issues(self) -> list[Issue]:
        return [i for p in self.parsed for i in p.issues]

    @property
    def errors(self) -> list[Issue]:
        return [i for p in self.parsed for i in p.errors]

    @property
    def rejected(self) -> bool:
        return bool(self.errors)

    @property
    def nothing_to_do(self) -> bool:
        return not self.rejected and all(r.nothing_to_do for r in self.results)


def import_parsed(store: Store, parsed: list[ParsedWorkbook], *, user: str, dry_run: bool = False,
                  kind: BatchKind = BatchKind.IMPORT, mode: str = "replace",
                  expect: dict[tuple[str, str], str] | None = None,
                  expect_removals: list[dict[str, list[int]]] | None = None) -> ImportOutcome:
    """Store already-parsed workbooks. If any has an error, nothing at all is stored.

    ``mode``: "replace" (each file's months replace the stored ones) or "append" (补录: only rows not
    stored yet are added, nothing is removed); see ``Store.import_frames``. ``expect``: the period
    versions the user loaded (the targets editor; ``StaleEdit``). ``expect_removals``: the
    ``removals`` of each result of the dry run the user confirmed; a file whose import would remove
    other rows is refused (``ImportChanged``) and writes nothing."""
    outcome = ImportOutcome(parsed=parsed)
    if outcome.rejected:
        return outcome
    for wb in parsed:
        frames = {k: f for k, f in wb.frames.items() if len(f)}
        if not frames:
            continue
        expected = expect_removals[len(outcome.results)] if expect_removals is not None else None
        outcome.results.append(store.import_frames(frames, file_name=wb.file_name, sha256=wb.sha256, user=user,
                                                   kind=kind, dry_run=dry_run, mode=mode, expect=expect,
                                                   expect_removals=expected))
        outcome.files.append(wb.file_name)
    return outcome


def import_files(store: Store, paths: list[str | os.PathLike], *, user: str, dry_run: bool = False,
                 today: date | None = None, mode: str = "replace") -> ImportOutcome:
    """Validate every file first (with the branch's own words); store them (one batch each) only when
    none has an error."""
    words = vocabulary(store)
    return import_parsed(store, [parse(p, today=today, aliases=words) for p in paths], user=user, dry_run=dry_run,
                         mode=mode)


def describe_issue_count(outcome: ImportOutcome) -> str:
    errors = len(outcome.errors)
    warnings = len(outcome.issues) - errors
    return texts.IMPORT_ISSUE_COUNT.format(errors=errors, warnings=warnings)


# --- display tables for the upload and targets pages ---------------------------------------------

def issues_frame(issues: list[Issue]) -> pd.DataFrame:
    """Issues as a table with Chinese headers (级别, 文件, 工作表, 行号, 行数, 列, 值, 说明): one row per
    grouped issue (its first Excel row and how many rows it covers), so the table stays short."""
    rows = [{"level": texts.ISSUE_LEVELS.get(i.level, i.level), "file": i.file, "sheet": i.sheet,
             "row": i.row, "count": i.count or None, "column": i.column, "value": i.value, "message": i.message}
            for i in issues]
    frame = pd.DataFrame(rows, columns=list(texts.ISSUE_COLUMNS)).astype({"row": "Int64", "count": "Int64"})
    return frame.rename(columns=texts.ISSUE_COLUMNS)


def changes_frame(outcome: ImportOutcome) -> pd.DataFrame:
    """Per file, register and period, rows to add / remove / keep, with Chinese headers."""
    rows = [{"file": name, "register": schema.REGISTERS[c.register].name,
             "period": c.period_label,
             "added": c.added, "removed": c.removed, "kept": c.kept}
            for name, result in zip(outcome.files, outcome.results) for c in result.changes]
    return pd.DataFrame(rows, columns=list(texts.CHANGE_COLUMNS)).rename(columns=texts.CHANGE_COLUMNS)


def batches_frame(batches: pd.DataFrame) -> pd.DataFrame:
    """``Store.batches()`` for display: local time, kind and status in Chinese, Chinese headers."""
    shown = batches[list(texts.HISTORY_COLUMNS)].assign(
        created_at=[local_time(t) for t in batches["created_at"]],
        kind=batches["kind"].map(lambda k: texts.STORE_BATCH_KIND.get(k, k)),
        status=batches["status"].map(lambda s: texts.STORE_BATCH_STATUS.get(s, s)),
    )
    return shown.rename(columns=texts.HISTORY_COLUMNS)


# --- plan targets (the 计划目标 page) ----------------------------------------------------------------

TARGET_KEYS = ("indicator", "target", "note")


def targets_for_editor(targets: pd.DataFrame, year: int) -> pd.DataFrame:
    """The year's stored targets as the editor shows them: indicator (its catalogue name, whether
    stored as name or key), target, note."""
    rows = targets.loc[(targets["year"] == year).fillna(False).to_numpy(dtype=bool)]
    names = [(texts.INDICATOR_NAMES[key] if (key := indicator_key(v)) else v) for v in rows["indicator"]]
    return pd.DataFrame({"indicator": pd.Series(names, dtype="str"),
                         "target": rows["target"].astype("float64").to_numpy(),
                         "note": rows["note"].astype("str").to_numpy()})


def _duplicate_indicators(frame: pd.DataFrame, file_name: str, sheet: str | None = None) -> list[Issue]:
    """An error for each row naming an indicator (by name or key) that an earlier row of the same
    year already names: a year has one target per indicator."""
    col = schema.TARGETS.column("indicator")
    sheets = frame["_sheet"] if "_sheet" in frame else [sheet] * len(frame)
    first: dict[tuple, int] = {}
    out = []
    for year, value, row, where_sheet in zip(frame["year"], frame["indicator"], frame["_row"], sheets):
        ind = indicator_key(value)
        if ind is None:
            continue
        key = (year, ind)
        if key in first:
            where = texts.READER_WHERE.format(file=file_name, sheet=where_sheet, row=row)
            out.append(Issue.error(file_name, texts.TARGETS_DUPLICATE.format(
                where=where, column=col.label, value=value, first=first[key]),
                sheet=where_sheet, row=int(row), column=col.label, value=value))
        else:
            first[key] = int(row)
    return out


def targets_version(store: Store, year: int) -> str:
    """The token of the year's stored targets, taken when the editor loads them (``save_targets``'
    ``loaded_version``)."""
    return store.period_version("targets", str(year))


def targets_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[tuple[str, str, str]]:
    """What differs between two ``targets_for_editor`` frames, per indicator in ``after``'s order
    then the removed ones: (indicator, old, new) as shown to people ("—" for none; a changed
    note is shown beside its target)."""
    def shown(frame: pd.DataFrame) -> dict[str, str]:
        out = {}
        for name, target, note in zip(frame["indicator"], frame["target"], frame["note"]):
            text = "—" if pd.isna(target) else f"{float(target):g}"
            out[str(name)] = text if pd.isna(note) or not str(note).strip() else f"{text}（{note}）"
        return out

    old, new = shown(before), shown(after)
    names = list(new) + [n for n in old if n not in new]
    return [(n, old.get(n, "—"), new.get(n, "—")) for n in names if old.get(n) != new.get(n)]


def save_targets(store: Store, year: int, rows: pd.DataFrame, *, user: str, dry_run: bool = False,
                 loaded_version: str | None = None) -> ImportOutcome:
    """Save the year's targets as edited on the page (columns indicator, target, note; blank rows
    ignored) as one batch of kind "targets", replacing that year's 计划目标 rows.

    The rows are checked by ``data.validate`` like a 计划目标 sheet (same rules and messages, rows
    numbered from 1 as the editor shows them), and an indicator may appear once. With any error,
    or with no rows at all, nothing is stored and ``outcome.rejected`` is true. With
    ``loaded_version`` (``targets_version`` when the editor loaded the year), a save over targets
    someone else changed meanwhile raises ``StaleEdit`` and stores nothing.
    """
    file_name, sheet = texts.TARGETS_EDITOR_FILE, schema.TARGETS.name
    raw = pd.DataFrame({k: rows[k].astype(object) if k in rows else None for k in TARGET_KEYS},
                       index=rows.index).reset_index(drop=True)
    raw["_row"] = range(1, len(raw) + 1)
    raw = raw.loc[~raw[list(TARGET_KEYS)].map(is_blank).all(axis=1)]
    raw.insert(0, "year", year)
    typed, issues = validate_frame("targets", raw, file_name=file_name, sheet=sheet,
                                   indicator_names=known_indicator_names())
    issues = sorted(issues + _duplicate_indicators(typed, file_name, sheet), key=lambda i: i.row or 0)
    if typed.empty:
        issues.append(Issue.error(file_name, texts.TARGETS_EMPTY, sheet=sheet))
    digest = hashlib.sha256(typed[schema.TARGETS.keys].to_csv(index=False).encode("utf-8")).hexdigest()
    parsed = ParsedWorkbook(file_name, digest, [SheetResult(sheet, "targets", None, len(typed))], issues,
                            {"targets": typed})
    expect = None if loaded_version is None else {("targets", str(year)): loaded_version}
    return import_parsed(store, [parsed], user=user, dry_run=dry_run, kind=BatchKind.TARGETS, expect=expect)


def targets_only(parsed: ParsedWorkbook) -> ParsedWorkbook:
    """The 计划目标 part of a parsed workbook (its sheets' issues and file-level errors only), for
    importing targets alone; an error when the workbook has no 计划目标 sheet."""
    sheets = [s for s in parsed.sheets if s.register == "targets"]
    names = {s.sheet for s in sheets}
    issues = [i for i in parsed.issues if i.sheet is None or i.sheet in names]
    if not sheets and not any(i.level == Level.ERROR for i in issues):
        issues.append(Issue.error(parsed.file_name,
                                  texts.TARGETS_NO_SHEET.format(file=parsed.file_name, sheet=schema.TARGETS.name)))
    frames = {k: f for k, f in parsed.frames.items() if k == "targets"}
    return ParsedWorkbook(parsed.file_name, parsed.sha256, sheets, issues, frames)


# --- what a replace removes; what the branch may map (the upload page) -------------------------------

@dataclass
class Removal:
    """Stored rows of one register and period that an import removes (a replace only)."""

    file: str
    register: str  # register key
    period: str
    rows: pd.DataFrame  # the rows as ``Store.rows_by_id`` returns them


def removals(store: Store, outcome: ImportOutcome) -> list[Removal]:
    """Per file, register and period, the stored rows the (dry-run) import removes, listed."""
    out = []
    for name, result in zip(outcome.files, outcome.results):
        for register, ids in result.removals.items():
            rows = store.rows_by_id(register, ids)
            for period, part in rows.groupby("period", sort=True):
                out.append(Removal(name, register, str(period), part.reset_index(drop=True)))
    return out


def removal_rows_frame(removal: Removal) -> pd.DataFrame:
    """A ``Removal``'s rows for display: the register's columns under their Chinese labels."""
    reg = schema.REGISTERS[removal.register]
    frame = removal.rows[reg.keys].copy()
    for col in reg.columns:
        if col.kind == schema.DATE:
            frame[col.key] = frame[col.key].dt.strftime("%Y-%m-%d")
    return frame.rename(columns=reg.labels)


@dataclass(frozen=True)
class ValueToMap:
    """A value of a fixed-choice column that was not recognised: the branch may map it to a value."""

    register: str  # register key
    column: str  # column key
    value: str
    rows: int  # how many rows carry it


@dataclass(frozen=True)
class HeaderToMap:
    """A header of a register sheet that names no column: the branch may say which column it is."""

    register: str
    header: str
    missing: tuple[str, ...]  # required column keys the sheet lacks (the likeliest answers)


def values_to_map(parsed: list[ParsedWorkbook]) -> list[ValueToMap]:
    """The distinct unrecognised values of fixed-choice columns, in the order found."""
    found: dict[tuple[str, str, str], int] = {}
    for wb in parsed:
        for issue in wb.errors:
            if issue.reason != "unrecognised" or issue.register not in schema.REGISTERS:
                continue
            reg = schema.REGISTERS[issue.register]
            col = next((c for c in reg.columns if c.label == issue.column), None)
            if col is None or col.kind != schema.ENUM:
                continue
            for value, count in zip(issue.values, issue.counts):
                key = (reg.key, col.key, value)
                found[key] = found.get(key, 0) + count
    return [ValueToMap(r, c, v, n) for (r, c, v), n in found.items()]


def headers_to_map(parsed: list[ParsedWorkbook]) -> list[HeaderToMap]:
    """The distinct headers of register sheets that name no column, with the required columns missing."""
    found: dict[tuple[str, str], HeaderToMap] = {}
    for wb in parsed:
        for sheet in wb.sheets:
            if sheet.register is None or not sheet.unmatched:
                continue
            for header in sheet.unmatched:
                found.setdefault((sheet.register, header), HeaderToMap(sheet.register, header, sheet.missing))
    return list(found.values())
