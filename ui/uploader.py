"""The upload → check → confirm flow, one for 数据上传 and 计划目标: files read and validated once,
every issue and the changes shown (the dry run), then a confirm button that imports them.

With ``intake=True`` (数据上传) the flow also reads the files with the branch's own words, offers to
map what it did not recognise, lets the user choose 替换 or 追加（补录） before confirming, and shows
in red the stored rows a replace removes, which need an explicit tick (``ui.intake``)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from data import texts
from data.errors import DataError
from ui import cache, messages, signin, style

# The issue columns a phone shows: where (sheet, row, column) and what to fix.
PHONE_ISSUE_COLUMNS = ("sheet", "row", "column", "message")


def show_check(outcome) -> bool:
    """An import's dry run (``data.importer.ImportOutcome``): skipped sheets, every error and
    warning in a table, then the rows to add / remove / keep per register and period. True when
    there is something to import and no error."""
    from data.importer import changes_frame, describe_issue_count, issues_frame

    for wb in outcome.parsed:
        for sheet in (s for s in wb.sheets if s.skipped):
            st.caption(messages.md(texts.UPLOAD_SKIPPED.format(file=wb.file_name, sheet=sheet.sheet,
                                                               reason=sheet.skipped)))
    errors, warnings = len(outcome.errors), len(outcome.issues) - len(outcome.errors)
    if errors:
        st.error(texts.UPLOAD_REJECTED.format(summary=describe_issue_count(outcome)))
    elif warnings:
        st.warning(texts.UPLOAD_WARNINGS.format(count=warnings))
    elif not any(r.removed for r in outcome.results):  # removals get a red banner instead (ui.intake)
        st.success(texts.UPLOAD_NO_ISSUES)
    if outcome.issues:
        issues = issues_frame(outcome.issues)
        if style.narrow():  # a phone: what to fix, wrapped, in a table as wide as the screen
            st.table(issues[[texts.ISSUE_COLUMNS[k] for k in PHONE_ISSUE_COLUMNS]].astype(object).fillna(""),
                     hide_index=True)
        else:  # the fix (说明) right after the level, where it is seen first
            first = [texts.ISSUE_COLUMNS[k] for k in ("level", "message")]
            st.dataframe(issues, hide_index=True, placeholder="",
                         column_order=first + [c for c in issues.columns if c not in first],
                         column_config={texts.ISSUE_COLUMNS["message"]: st.column_config.TextColumn(width="large")})
    if errors:
        return False
    if outcome.nothing_to_do:
        st.info(texts.STORE_NOTHING_TO_DO)
        return False
    st.subheader(texts.UPLOAD_PREVIEW_TITLE)
    st.dataframe(changes_frame(outcome), hide_index=True, placeholder="")
    return True


def _parsed(key: str, files: list, prepare: Callable, own_words: bool = False) -> list:
    """The uploaded files read and validated once (kept under ``key`` by their file ids):
    confirming does not parse them again. ``own_words``: read with the branch's aliases, and again
    when they change."""
    from data.aliases import list_aliases, vocabulary
    from data.importer import parse

    store = cache.get_store()
    ids = (tuple(f.file_id for f in files), tuple(list_aliases(store)["id"]) if own_words else ())
    kept = st.session_state.get(key)
    if kept is None or kept[0] != ids:
        words = vocabulary(store) if own_words else None
        kept = (ids, [prepare(parse(f.getvalue(), f.name, aliases=words)) for f in files])
        st.session_state[key] = kept
    return kept[1]


def _confirm(prefix: str, parsed: list, flashes: str, line: Callable, mode: str = "replace",
             removals: list | None = None) -> None:
    """The confirm button's callback: import what was checked, as the user who clicks, if their
    role still allows it (an editor's; it runs before the page's own check). Anything refused on
    the way (a ``DataError``, e.g. the users file broken since the check) is a message, not a
    traceback; otherwise each file's result, and a fresh uploader. ``removals``: what the confirmed
    preview showed would be removed; the import is refused if that changed meanwhile."""
    from data.importer import import_parsed

    me = signin.acting("editor", flashes)  # the role now, not when the check was shown
    if me is None:
        return
    try:
        outcome = import_parsed(cache.get_store(), parsed, user=me.name, mode=mode, expect_removals=removals)
    except DataError as err:
        messages.flash(flashes, "error", err.message)
        return
    for name, result in zip(outcome.files, outcome.results):
        messages.flash(flashes, "info" if result.nothing_to_do else "success", line(name, result))
    st.session_state[f"{prefix}.generation"] = st.session_state.get(f"{prefix}.generation", 0) + 1
    st.session_state.pop(f"{prefix}.parsed", None)


def upload_flow(prefix: str, label: str, button: str, *, flashes: str, multiple: bool = False, widget: str = "files",
                check_title: str | None = None, prepare: Callable = lambda parsed: parsed,
                line: Callable = lambda name, result: result.message, intake: bool = False) -> None:
    """A file uploader (session keys under ``prefix``), the check of what was uploaded
    (``show_check``, under ``check_title``), and ``button`` to import it; the results are queued
    under ``flashes`` (``messages.show_flashes``). ``prepare`` adjusts each parsed workbook (e.g.
    keeps its 计划目标 sheet only); ``line(file name, result)`` words each file's result.
    ``intake``: the branch's own words, the import mode and the removal tick (see the module)."""
    from data.importer import import_parsed
    from ui import intake as steps

    generation = st.session_state.get(f"{prefix}.generation", 0)
    upload = st.file_uploader(label, accept_multiple_files=multiple, key=f"{prefix}.{widget}.{generation}")
    files = (upload or []) if multiple else ([upload] if upload is not None else [])
    if not files:
        return
    parsed = _parsed(f"{prefix}.parsed", files, prepare, own_words=intake)
    if check_title:
        st.subheader(check_title)
    rejected = any(not wb.ok for wb in parsed)
    mode = steps.choose_mode(f"{prefix}.mode") if intake and not rejected else "replace"
    preview = import_parsed(cache.get_store(), parsed, user=signin.current_user(), dry_run=True, mode=mode)
    importable = show_check(preview)
    if intake:
        steps.offer_mappings(parsed, f"{prefix}.map", on_saved=lambda: st.session_state.pop(f"{prefix}.parsed", None))
    if not importable:
        return
    ticked, removals = True, None
    if intake:
        files_key = abs(hash((tuple(f.file_id for f in files), mode)))
        ticked = steps.show_removals(preview, f"{prefix}.removal.{files_key}")
        removals = [r.removals for r in preview.results]
    st.button(button, type="primary", icon=":material/check:", on_click=_confirm,
              args=(prefix, parsed, flashes, line, mode, removals), disabled=not ticked)
