"""Command line: the product's operations for scripts and cron, thin over ``data`` and ``metrics``.

    python cli.py template OUT.xlsx
    python cli.py import FILE [FILE ...] [--append] [--dry-run] [--user NAME] [--branch NAME]
    python cli.py batches [--branch NAME]
    python cli.py undo BATCH_ID [--user NAME] [--branch NAME]
    python cli.py export REGISTER --out FILE.xlsx|FILE.csv [--from DATE] [--to DATE] [--type VALUE] [--branch NAME]
    python cli.py demo
    python cli.py indicators --year YEAR [--as-of YYYY-MM-DD] [--json] [--branch NAME]
    python cli.py compliance --year YEAR [--as-of YYYY-MM-DD] [--json] [--branch NAME]
    python cli.py rollup --year YEAR [--as-of YYYY-MM-DD] [--json | --out FILE.xlsx]
    python cli.py branch add NAME [--organisation] · branch list · branch rename OLD NEW
    python cli.py backup OUT.zip [--user NAME] [--branch NAME]   (--branch: that branch's rows only)
    python cli.py restore FILE [--user NAME] [--branch NAME]     (whole backup: into an empty database;
                                                                   branch backup: into its branch, which holds no rows yet)
    python cli.py user add NAME --role viewer|editor|admin [--password-stdin]
    python cli.py user passwd NAME [--password-stdin]
    python cli.py user remove NAME
    python cli.py user list
    python cli.py audit [--json] [--branch NAME]
    python cli.py aliases list [--branch NAME]
    python cli.py aliases add REGISTER COLUMN ALIAS [--as VALUE] [--user NAME] [--branch NAME]
    python cli.py aliases remove ALIAS_ID [--user NAME] [--branch NAME]
    python cli.py report --year YEAR [--as-of YYYY-MM-DD] [--template DRAFT.docx] --out FILE.docx [--branch NAME]

Exit codes: 0 done (or nothing to do), 1 refused (nothing stored), 2 usage.
Every command honours DATABASE_URL (see data/settings.py) and works on the deployment's branch
(DJ_BRANCH) or the one ``--branch`` names (an unknown name is refused); ``user`` edits the users file at
DJ_USERS_FILE (or ``users_file`` in settings.toml) and records each change in the audit log.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path

from data import texts
from data.errors import DataError, WriteFailed
from data.schema import REGISTER_KEYS, REGISTERS
from data.users import ROLES

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
# Lines of skipped sheets and issues ``import`` prints at most (then one line counting the rest), so
# that a refused file prints at most 200 lines in all, however many rows are bad.
IMPORT_ISSUE_LINES = 190


def _store(args=None):
    """The store of ``--branch`` (an existing branch, else refused), else of the deployment's branch."""
    from data.store import Store

    name = getattr(args, "branch", None)
    return Store(branch=name, create=False) if name else Store()


def _user(args) -> str:
    return args.user or getpass.getuser()


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(texts.CLI_BAD_DATE.format(value=value)) from None


def _write(out: Path, produce) -> None:
    """Write ``produce()`` to the user's output path ``out``. The path is tried first (opened for
    appending, which changes nothing), so an unwritable one is refused before anything is computed
    or recorded (a backup's audit row); an OSError on it is a ``WriteFailed``."""
    existed = out.exists()
    try:
        with out.open("ab"):
            pass
    except OSError as err:
        raise WriteFailed.from_os_error(out, err) from None
    try:
        data = produce()
    except BaseException:
        if not existed:  # no empty file left behind
            out.unlink(missing_ok=True)
        raise
    try:
        out.write_bytes(data)
    except OSError as err:
        raise WriteFailed.from_os_error(out, err) from None


def _read(path: Path, missing: str) -> bytes:
    """The bytes of a file the user named; ``missing`` (with ``{file}``) when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError:
        raise DataError(missing.format(file=path)) from None


def _print_changes(results) -> None:
    for result in results:
        for c in result.changes:
            print(texts.CLI_CHANGE_LINE.format(register=REGISTERS[c.register].name, period=c.period,
                                              added=c.added, removed=c.removed, kept=c.kept))


def cmd_template(args) -> int:
    from data.aliases import vocabulary
    from data.template import build_template

    _write(Path(args.out), lambda: build_template(vocabulary(_store())))
    print(texts.CLI_TEMPLATE_WRITTEN.format(path=args.out))
    return EXIT_OK


def _refused_early(paths) -> list[str] | None:
    """The messages for files that are refused from their container alone (empty, not a zip, another
    format, macros: ``data.safety.check_container``), when every file is; else None and the import
    goes on (every problem of every file is then listed by the full check). Needs no pandas, so such
    a refusal costs little more than Python's start."""
    from data import safety
    from data.errors import RejectedFile

    messages = []
    for path in paths:
        try:
            safety.check_container(Path(path).read_bytes(), Path(path).name)
        except RejectedFile as err:
            messages.append(err.message)
        except OSError:  # a missing or unreadable file: the full path says which
            return None
        else:
            return None
    return messages


def cmd_import(args) -> int:
    if early := _refused_early(args.files):
        for message in early:
            print(message, file=sys.stderr)
        summary = texts.IMPORT_ISSUE_COUNT.format(errors=len(early), warnings=0)
        print(texts.CLI_IMPORT_REJECTED.format(summary=summary), file=sys.stderr)
        return EXIT_REFUSED
    from data.importer import describe_issue_count, import_files

    mode = "append" if args.append else "replace"
    outcome = import_files(_store(args), args.files, user=_user(args), dry_run=args.dry_run, mode=mode)
    lines = [(texts.CLI_SHEET_SKIPPED.format(sheet=sheet.sheet, reason=sheet.skipped), sys.stdout)
             for p in outcome.parsed for sheet in p.sheets if sheet.skipped]
    lines += [(issue.message, sys.stderr if issue.level == "error" else sys.stdout) for issue in outcome.issues]
    for line, stream in lines[:IMPORT_ISSUE_LINES]:
        print(line, file=stream)
    if len(lines) > IMPORT_ISSUE_LINES:
        print(texts.CLI_MORE_LINES.format(count=len(lines) - IMPORT_ISSUE_LINES), file=sys.stderr)
    if outcome.rejected:
        print(texts.CLI_IMPORT_REJECTED.format(summary=describe_issue_count(outcome)), file=sys.stderr)
        return EXIT_REFUSED
    _print_changes(outcome.results)
    _print_removed(outcome.results, dry_run=args.dry_run, append=args.append)
    if outcome.nothing_to_do:
        print(texts.CLI_NOTHING_TO_DO)
    elif args.dry_run:
        print(texts.CLI_DRY_RUN_DONE)
    else:
        ids = "、".join(str(r.batch_id) for r in outcome.results if r.batch_id is not None)
        print(texts.CLI_IMPORT_DONE.format(batches=ids))
    return EXIT_OK


def _print_removed(results, *, dry_run: bool, append: bool) -> None:
    """Say how many stored rows a replace removes, per register and month (a 补录 file imported
    without --append removes the month's other rows); an append says it removed none."""
    from data.validate import capped

    if append:
        print(texts.CLI_APPEND_DONE)
        return
    removed = [c for r in results for c in r.removed_by_period]
    if not removed:
        return
    parts = [texts.CLI_REMOVED_PART.format(register=REGISTERS[c.register].name, period=c.period, count=c.removed)
             for c in removed]
    template = texts.CLI_WOULD_REMOVE if dry_run else texts.CLI_REMOVED
    print(template.format(count=sum(c.removed for c in removed), parts=capped(parts)))


def cmd_batches(args) -> int:
    frame = _store(args).batches()
    if frame.empty:
        print(texts.CLI_NO_BATCHES)
        return EXIT_OK
    shown = frame[["id", "created_at", "user", "file_name", "kind", "status", "registers", "periods",
                   "added", "removed", "kept"]].rename(columns=texts.BATCH_COLUMNS)
    print(shown.to_string(index=False))
    return EXIT_OK


def cmd_undo(args) -> int:
    result = _store(args).undo(args.batch_id, user=_user(args))
    _print_changes([result])
    print(texts.CLI_UNDO_DONE.format(batch=args.batch_id))
    return EXIT_OK


def cmd_export(args) -> int:
    from data.export import to_csv, to_xlsx
    from data.query import Filters, filter_rows

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        print(texts.CLI_EXPORT_SUFFIX, file=sys.stderr)
        return EXIT_USAGE
    filters = Filters(date_from=args.date_from, date_to=args.date_to, types=tuple(args.type or ()))
    rows = filter_rows(_store(args).load(args.register), args.register, filters)
    if out.suffix.lower() == ".csv":
        _write(out, lambda: to_csv(rows, args.register))
    else:
        _write(out, lambda: to_xlsx(rows, args.register, filters=filters.describe(args.register)))
    print(texts.CLI_EXPORT_DONE.format(rows=len(rows), path=out))
    return EXIT_OK


def cmd_demo(args) -> int:
    from data.demo import load_demo, sample_files

    files = sample_files()
    outcome = load_demo(_store())
    for issue in outcome.errors:
        print(issue.message, file=sys.stderr)
    if outcome.rejected:
        return EXIT_REFUSED
    print(texts.CLI_DEMO_DONE.format(files=len(files), rows=sum(r.added for r in outcome.results)))
    return EXIT_OK


def _frames(store, year: int):
    """The year and the one before it (同比), plus roster and targets, the organisation's default
    targets filled in where the branch sets none."""
    from metrics.rollup import merge_targets

    frames = store.frames(years=[year - 1, year])
    frames["targets"] = merge_targets(frames["targets"], store.parent_targets())
    return frames


def _local_rules() -> list | None:
    """The settings' local 三会一课 rules, checked; None (the Chinese reason printed) when one is malformed."""
    from data.errors import SettingsError
    from data.settings import load_settings
    from metrics.compliance import local_rules

    rules = load_settings().local_rules
    try:
        local_rules(rules)
    except SettingsError as err:
        print(str(err), file=sys.stderr)
        return None
    return rules


def _catalogue(store):
    """The full indicator catalogue: the built-in one and the branch's own (settings file, 指标设置
    page), checked (a bad one: its Chinese message, exit 1)."""
    from data.indicators import settings_definitions, stored_definitions
    from metrics.catalogue import catalogue_with

    return catalogue_with(settings_definitions(), stored_definitions(store))


def _as_of(args) -> date:
    from metrics.progress import default_as_of

    return args.as_of or default_as_of(args.year, date.today())


def cmd_indicators(args) -> int:
    from data.settings import load_settings
    from metrics.report import format_indicator_table, indicator_report

    store = _store(args)
    table, records = indicator_report(_frames(store, args.year), year=args.year, as_of=_as_of(args),
                                      tolerance_pp=load_settings().tolerance_pp,  # 略滞后, as on the board
                                      catalogue=_catalogue(store))
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        print(format_indicator_table(table))
    return EXIT_OK


def cmd_compliance(args) -> int:
    from metrics.report import compliance_report, format_compliance

    store = _store(args)
    rules = _local_rules()
    if rules is None:
        return EXIT_REFUSED
    report = compliance_report(_frames(store, args.year), year=args.year, as_of=_as_of(args), local_rules=rules)
    if args.json:
        print(json.dumps(report.records(), ensure_ascii=False, indent=2))
    else:
        print(format_compliance(report))
    return EXIT_OK


def cmd_report(args) -> int:
    from data.errors import DataError
    from data.report_docx import build_docx, fill_template
    from data.settings import load_settings
    from metrics.summary import summarize

    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        print(texts.CLI_REPORT_SUFFIX, file=sys.stderr)
        return EXIT_USAGE
    rules = _local_rules()
    if rules is None:
        return EXIT_REFUSED
    store = _store(args)
    summary = summarize(_frames(store, args.year), args.year, _as_of(args), branch=store.branch_name,
                        local_rules=rules, catalogue=_catalogue(store),
                        study_hours_min=load_settings().study_hours_min)
    if args.template is None:
        _write(out, lambda: build_docx(summary))
        if summary.pending:
            print(texts.CLI_REPORT_PENDING.format(names="、".join(p.name for p in summary.pending.values())))
    else:
        draft = Path(args.template)
        filled = fill_template(_read(draft, texts.REPORT_TEMPLATE_NOT_FOUND), summary, file_name=draft.name)
        _write(out, lambda: filled.data)
        if filled.unknown:
            print(texts.REPORT_UNKNOWN_LINE.format(names=texts.capped(filled.unknown)), file=sys.stderr)
        if filled.no_data:
            print(texts.REPORT_NO_DATA_LINE.format(names=texts.capped(filled.no_data)))
    print(texts.CLI_REPORT_DONE.format(path=out))
    return EXIT_OK


# --- branches and the organisation ------------------------------------------------------------------


def cmd_branch(args) -> int:
    from data import branches
    from data.tables import BranchKind

    store = _store()
    if args.action == "list":
        with store.engine.begin() as conn:
            records = branches.all_records(conn)
        names = {b.id: b.name for b in records}
        for b in records:
            print("\t".join([b.name, texts.BRANCH_KINDS[b.kind], names.get(b.parent, ""),
                             texts.local_time(b.created_at)]))
    elif args.action == "add":
        kind = BranchKind.ORGANISATION if args.organisation else BranchKind.BRANCH
        with store.transaction(lock="branches") as conn:
            record = branches.add(conn, args.name, user=getpass.getuser(), kind=kind)
        print(texts.BRANCH_ADDED.format(kind=texts.BRANCH_KINDS[record.kind], name=record.name))
    else:
        with store.transaction(lock="branches") as conn:
            old = branches.get(conn, args.old).name
            record = branches.rename(conn, args.old, args.new, user=getpass.getuser())
        print(texts.BRANCH_RENAMED.format(old=old, new=record.name))
    return EXIT_OK


def cmd_rollup(args) -> int:
    from data import branches, org
    from data.export import tables_to_xlsx
    from data.settings import load_settings
    from metrics.catalogue import CATALOGUE
    from metrics.rollup import COMPLIANCE_COLUMNS, format_rollup, gaps_all, rollup_all, rollup_records, sheets

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() != ".xlsx":
        print(texts.CLI_ROLLUP_SUFFIX, file=sys.stderr)
        return EXIT_USAGE
    rules = _local_rules() if out is not None else []  # the 三会一课 gaps are in the workbook only
    if rules is None:
        return EXIT_REFUSED
    store = _store()
    with store.engine.begin() as conn:
        records = branches.branches(conn)
    if not records:
        print(texts.ROLLUP_NO_BRANCHES)
        return EXIT_OK
    # Every branch's rows of the year in one query per register, computed together (as 各支部对比).
    as_of = _as_of(args)
    keys, parent = [b.id for b in records], records[0].parent
    with store.engine.begin() as conn:  # indicators summed in the database; 学习教育 rows for 三会一课
        sums = org.year_sums(conn, keys, CATALOGUE, args.year, as_of)
        frames, targets, roster = org.year_frames(conn, keys, {"study": list(COMPLIANCE_COLUMNS)},
                                                  args.year, as_of, parent)
    table = rollup_all(frames, {b.id: b.name for b in records}, args.year, as_of, targets=targets,
                       organisation=parent, tolerance_pp=load_settings().tolerance_pp, parts=sums)
    if out is not None:
        gaps = gaps_all(frames["study"], roster, keys, args.year, as_of, rules)
        _write(out, lambda: tables_to_xlsx(sheets(table, {b.name: gaps[b.id] for b in records})))
        print(texts.CLI_ROLLUP_DONE.format(path=out, branches=len(records)))
    elif args.json:
        print(json.dumps(rollup_records(table), ensure_ascii=False, indent=2))
    else:
        print(format_rollup(table))
    return EXIT_OK


# --- backup, restore, users, audit ---------------------------------------------------------------


def cmd_backup(args) -> int:
    from data.backup import SUFFIX, backup_to

    out = Path(args.out)
    if out.suffix.lower() != SUFFIX:
        print(texts.CLI_BACKUP_SUFFIX, file=sys.stderr)
        return EXIT_USAGE
    store = _store(args)
    info = backup_to(store, out, user=_user(args), branch_only=bool(args.branch))
    size = f"{info.size / 2**20:.1f} MB"
    if args.branch:
        print(texts.BACKUP_BRANCH_DONE.format(branch=store.branch_name, path=out, rows=info.total, size=size))
    else:
        print(texts.BACKUP_DONE.format(path=out, rows=info.total, size=size))
    return EXIT_OK


def cmd_restore(args) -> int:
    from data.backup import branch_store, restore, scope_of

    path = Path(args.file)
    if args.branch:
        store = _store(args)
    else:  # a branch backup goes into its own branch (made when the database has no such record)
        scope = scope_of(path, path.name)
        store = branch_store(_store(), scope) if scope else _store()
    rows = restore(store, path, file_name=path.name, user=_user(args), branch_only=bool(args.branch))
    print(texts.RESTORE_DONE.format(file=path.name, rows=rows))
    return EXIT_OK


def _new_password(args) -> str:
    """From one line of stdin (``--password-stdin``), else typed twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(texts.CLI_PASSWORD_PROMPT)
    if getpass.getpass(texts.CLI_PASSWORD_AGAIN) != first:
        raise DataError(texts.USERS_PASSWORD_MISMATCH)
    return first


def cmd_user(args) -> int:
    from data import users
    from data.settings import load_settings

    path = load_settings().users_file
    if not path:
        print(texts.USERS_NOT_CONFIGURED, file=sys.stderr)
        return EXIT_USAGE
    actor = getpass.getuser()
    if args.action == "list":
        found = users.load_users(path)
        if not found:
            print(texts.CLI_NO_USERS)
        for user in sorted(found.values(), key=lambda u: u.name):
            print(f"{user.name}\t{user.role}（{user.role_name}）")
    elif args.action == "add":
        if users.check_name(args.name) in users.load_users(path):  # before asking a password
            raise DataError(texts.USERS_EXISTS.format(name=args.name))
        user = users.add_user(path, args.name, args.role, _new_password(args), actor=actor,
                              store=_store())
        print(texts.CLI_USER_ADDED.format(name=user.name, role=user.role_name))
    elif args.action == "passwd":
        users.set_password(path, args.name, _new_password(args), actor=actor, store=_store())
        print(texts.CLI_USER_PASSWORD_SET.format(name=args.name))
    else:
        users.remove_user(path, args.name, actor=actor, store=_store())
        print(texts.CLI_USER_REMOVED.format(name=args.name))
    return EXIT_OK


def cmd_audit(args) -> int:
    from data import audit

    frame = audit.entries(_store(args))
    if args.json:
        print(json.dumps(audit.records(frame), ensure_ascii=False, indent=2))
    elif frame.empty:
        print(texts.CLI_NO_AUDIT)
    else:
        print(audit.display(frame).to_string(index=False))
    return EXIT_OK


def _branch_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--branch", metavar="NAME", help=texts.CLI_BRANCH_HELP["option"])


def cmd_aliases(args) -> int:
    from data import aliases
    from data.aliases import AliasRefused

    store = _store(args)
    try:
        if args.action == "list":
            frame = aliases.list_aliases(store)
            if frame.empty:
                print(texts.ALIAS_NONE)
            for _, row in frame.iterrows():
                print(aliases.line(row))
        elif args.action == "add":
            kind = "value" if args.value is not None else "header"
            alias_id = aliases.add_alias(store, kind=kind, register=args.register, column=args.column,
                                         alias=args.alias, target=args.value, user=_user(args))
            row = aliases.list_aliases(store).set_index("id", drop=False).loc[alias_id]
            print(texts.ALIAS_ADDED.format(id=alias_id, what=aliases.describe(row)))
        else:
            what = aliases.remove_alias(store, args.alias_id, user=_user(args))
            print(texts.ALIAS_REMOVED.format(id=args.alias_id, what=what))
    except AliasRefused as err:
        print(err.message, file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python cli.py", description=texts.CLI_DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("template", help=texts.CLI_HELP["template"])
    p.add_argument("out", metavar="OUT.zip")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import", help=texts.CLI_HELP["import"])
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--append", action="store_true", help=texts.CLI_HELP["append"])
    p.add_argument("--dry-run", action="store_true", help=texts.CLI_HELP["dry_run"])
    p.add_argument("--user", help=texts.CLI_HELP["user"])
    _branch_option(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("batches", help=texts.CLI_HELP["batches"])
    _branch_option(p)
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("undo", help=texts.CLI_HELP["undo"])
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument("--user", help=texts.CLI_HELP["user"])
    _branch_option(p)
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("export", help=texts.CLI_HELP["export"])
    p.add_argument("register", choices=REGISTER_KEYS, metavar="REGISTER")
    p.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.csv")
    p.add_argument("--from", dest="date_from", type=_date, metavar="DATE")
    p.add_argument("--to", dest="date_to", type=_date, metavar="DATE")
    p.add_argument("--type", action="append", metavar="VALUE", help=texts.CLI_HELP["type"])
    _branch_option(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help=texts.CLI_HELP["demo"])
    p.set_defaults(func=cmd_demo)

    for name, func in (("indicators", cmd_indicators), ("compliance", cmd_compliance)):
        p = sub.add_parser(name, help=texts.CLI_HELP[name])
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--as-of", dest="as_of", type=_date, metavar="YYYY-MM-DD")
        p.add_argument("--json", action="store_true")
        _branch_option(p)
        p.set_defaults(func=func)

    p = sub.add_parser("rollup", help=texts.CLI_BRANCH_HELP["rollup"])
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--as-of", dest="as_of", type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", metavar="FILE.xlsx", help=texts.CLI_BRANCH_HELP["rollup_out"])
    p.set_defaults(func=cmd_rollup)

    p = sub.add_parser("branch", help=texts.CLI_BRANCH_HELP["branch"])
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("add", help=texts.CLI_BRANCH_HELP["add"])
    q.add_argument("name", metavar="NAME")
    q.add_argument("--organisation", action="store_true", help=texts.CLI_BRANCH_HELP["organisation"])
    actions.add_parser("list", help=texts.CLI_BRANCH_HELP["list"])
    q = actions.add_parser("rename", help=texts.CLI_BRANCH_HELP["rename"])
    q.add_argument("old", metavar="OLD")
    q.add_argument("new", metavar="NEW")
    p.set_defaults(func=cmd_branch)

    p = sub.add_parser("report", help=texts.CLI_REPORT_HELP["report"])
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--as-of", dest="as_of", type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--template", metavar="DRAFT.docx", help=texts.CLI_REPORT_HELP["template"])
    p.add_argument("--out", required=True, metavar="FILE.docx", help=texts.CLI_REPORT_HELP["out"])
    _branch_option(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("backup", help=texts.CLI_ACCESS_HELP["backup"])
    p.add_argument("out", metavar="OUT.zip")
    p.add_argument("--user", help=texts.CLI_HELP["user"])
    p.add_argument("--branch", metavar="NAME", help=texts.CLI_BACKUP_BRANCH_HELP["backup"])
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=texts.CLI_ACCESS_HELP["restore"])
    p.add_argument("file", metavar="FILE")
    p.add_argument("--user", help=texts.CLI_HELP["user"])
    p.add_argument("--branch", metavar="NAME", help=texts.CLI_BACKUP_BRANCH_HELP["restore"])
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("user", help=texts.CLI_ACCESS_HELP["user"])
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("add", help=texts.CLI_ACCESS_HELP["user_add"])
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", required=True, choices=ROLES,
                   help=texts.CLI_ACCESS_HELP["role"])
    q.add_argument("--password-stdin", action="store_true", help=texts.CLI_ACCESS_HELP["password_stdin"])
    q = actions.add_parser("passwd", help=texts.CLI_ACCESS_HELP["user_passwd"])
    q.add_argument("name", metavar="NAME")
    q.add_argument("--password-stdin", action="store_true", help=texts.CLI_ACCESS_HELP["password_stdin"])
    q = actions.add_parser("remove", help=texts.CLI_ACCESS_HELP["user_remove"])
    q.add_argument("name", metavar="NAME")
    actions.add_parser("list", help=texts.CLI_ACCESS_HELP["user_list"])
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("audit", help=texts.CLI_ACCESS_HELP["audit"])
    p.add_argument("--json", action="store_true", help=texts.CLI_ACCESS_HELP["json"])
    _branch_option(p)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("aliases", help=texts.CLI_ALIAS_HELP["aliases"])
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("list", help=texts.CLI_ALIAS_HELP["list"])
    _branch_option(q)
    q = actions.add_parser("add", help=texts.CLI_ALIAS_HELP["add"])
    q.add_argument("register", metavar="REGISTER", help=texts.CLI_ALIAS_HELP["register"])
    q.add_argument("column", metavar="COLUMN", help=texts.CLI_ALIAS_HELP["column"])
    q.add_argument("alias", metavar="ALIAS", help=texts.CLI_ALIAS_HELP["alias"])
    q.add_argument("--as", dest="value", metavar="VALUE", help=texts.CLI_ALIAS_HELP["as"])
    q.add_argument("--user", help=texts.CLI_HELP["user"])
    _branch_option(q)
    q = actions.add_parser("remove", help=texts.CLI_ALIAS_HELP["remove"])
    q.add_argument("alias_id", type=int, metavar="ALIAS_ID")
    q.add_argument("--user", help=texts.CLI_HELP["user"])
    _branch_option(q)
    p.set_defaults(func=cmd_aliases)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. The one place a refusal (any ``DataError``: bad file, bad settings, an
    unwritable output...) becomes its Chinese message on stderr and exit code 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as err:
        print(err.message, file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
