"""总览, the leadership view: the status line, each register's freshness, the cards worst first
(略滞后 within the settings' tolerance), the completion chart, the 三会一课 gaps and the latest
imports; every number opens its rows in a dialog. A year or month without uploads says so. On an
empty database, the first-run panel."""

import streamlit as st

from data import texts
from data.errors import SettingsError
from data.settings import load_settings
from data.texts import local_time
from metrics import breakdowns, glance
from metrics.states import Mark
from ui import board, cache, charts, downloads, messages, selection, signin, style, widgets
from ui import glance as glance_ui

signin.require_role("viewer")  # every page checks: a page can be run without app.py (see ui.navigation.PAGE_ROLES)

FLASH_KEY = "overview.flash"
DIALOG_KEY = "overview.dialog"
RECENT_IMPORTS = 5


def _load_demo() -> None:
    """Button callback (runs before the page): import the demo year and select it in the sidebar."""
    from data.demo import DEMO_YEAR, load_demo  # openpyxl: loaded when needed, not by every 总览

    me = signin.acting("editor", FLASH_KEY)
    if me is None:
        return
    outcome = load_demo(cache.get_store(), user=me.name)
    if outcome.rejected:
        for message in (texts.BOARD_DEMO_FAILED, *(i.message for i in outcome.errors)):
            messages.flash(FLASH_KEY, "error", message)
        return
    rows = sum(r.added for r in outcome.results)
    messages.flash(FLASH_KEY, "success", texts.CLI_DEMO_DONE.format(files=len(outcome.parsed), rows=rows))
    selection.choose_year(DEMO_YEAR)


def first_run() -> None:
    from data.demo import DEMO_YEAR  # openpyxl: loaded when needed, not by every 总览
    from data.template import build_template

    with st.container(border=True):
        st.subheader(texts.BOARD_FIRST_RUN_TITLE)
        st.write(texts.BOARD_FIRST_RUN_INTRO)
        template, demo, upload = st.columns(3)
        with template:
            st.caption(texts.BOARD_FIRST_RUN_TEMPLATE)
            st.download_button(texts.BOARD_TEMPLATE_BUTTON, data=build_template, file_name=texts.BOARD_TEMPLATE_FILE,
                               mime=downloads.XLSX_MIME, icon=":material/download:", on_click="ignore")
        with demo:
            st.caption(texts.BOARD_FIRST_RUN_DEMO.format(year=DEMO_YEAR))
            if signin.can("editor"):  # loading the demo is an import
                st.button(texts.BOARD_DEMO_BUTTON, on_click=_load_demo, type="primary", icon=":material/play_arrow:")
        with upload:
            st.caption(texts.BOARD_FIRST_RUN_UPLOAD)
            if signin.can("editor"):  # a viewer has no upload page
                st.page_link("pages/upload.py", label=texts.BOARD_UPLOAD_LINK, icon=":material/upload_file:")


def _open(kind: str, value: object) -> None:
    """Button callback: the dialog to open in this run (a card's rows)."""
    st.session_state[DIALOG_KEY] = (kind, value)


def cards_and_chart(table, result, big: bool) -> None:
    """The cards worst first, then the completion chart; clicking a card's 明细 or a bar opens the rows."""
    st.subheader(texts.BOARD_CARDS_TITLE)
    if table["target"].notna().sum() == 0:
        st.info(texts.BOARD_NO_TARGETS.format(year=selection.selection()[0]))
        return
    glance_ui.cards(table, lambda key: _open("card", key))
    fig = glance_ui.big_figure(charts.completion_chart(glance.worst_first(table)), big)
    with st.container(key=style.KEEP_PREFIX + "-chart"):
        event = st.plotly_chart(fig, theme=None, on_select="rerun", selection_mode="points", key=glance_ui.CHART_KEY,
                                config={"displayModeBar": False}, width="stretch" if big else glance_ui.PRINT_WIDTH)
    with st.container(key=style.NO_PRINT_PREFIX + "-chart-hint"):
        st.caption(texts.GLANCE_CHART_HINT)
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    picked = glance_ui.newly_selected(glance_ui.CHART_KEY, [p.get("customdata") for p in points])
    if picked and picked[0]:
        _open("card", picked[0])


def compliance_summary(result, as_of) -> None:
    st.subheader(texts.BOARD_COMPLIANCE_TITLE)
    if result is None:
        return
    state = glance.compliance_state(result, cache.frames(result.year))
    if state:
        st.info(state)
        return
    counts = breakdowns.compliance_counts(result.grid)
    line = texts.BOARD_COMPLIANCE_COUNTS.format(
        as_of=texts.long_date(as_of),
        met=counts[Mark.MET], missing=counts[Mark.MISSED], not_due=counts[Mark.NOT_DUE])
    if counts[Mark.NOT_UPLOADED]:
        line += texts.GLANCE_COMPLIANCE_NOT_UPLOADED_COUNT.format(count=counts[Mark.NOT_UPLOADED])
    st.write(line)
    grid = result.grid
    gaps = grid.loc[grid["status"] == Mark.MISSED].reset_index(drop=True)
    if gaps.empty:
        st.success(texts.COMPLIANCE_ALL_MET)
    else:
        shown = gaps[list(texts.BOARD_MISSING_COLUMNS)].fillna("").rename(columns=texts.BOARD_MISSING_COLUMNS)
        with st.container(key=style.KEEP_PREFIX + "-gaps"):
            event = st.dataframe(shown, hide_index=True, placeholder="", on_select="rerun", selection_mode="single-row",
                                 key=glance_ui.GAPS_KEY, width=glance_ui.PRINT_WIDTH)
        with st.container(key=style.NO_PRINT_PREFIX + "-gaps-hint"):
            st.caption(texts.GLANCE_GAPS_HINT)
        picked = glance_ui.newly_selected(glance_ui.GAPS_KEY, list(event.selection.rows) if event else [])
        if picked:
            _open("gap", gaps.iloc[picked[0]].to_dict())
    if result.notes:
        with st.container(key=style.NO_PRINT_PREFIX + "-notes"):
            with st.expander(texts.BOARD_NOTES_TITLE.format(count=len(result.notes))):
                for note in result.notes:
                    st.text(note)


def compliance_or_error():
    try:
        return board.compliance_result()
    except SettingsError as err:  # a malformed local rule in the settings
        st.error(messages.md(str(err)))
        return None


def open_dialog(table, result, year, as_of) -> None:
    """The dialog a click asked for in this run, if any."""
    pending = st.session_state.pop(DIALOG_KEY, None)
    if pending is None:
        return
    kind, value = pending
    if kind == "card" and value in set(table["key"]):
        glance_ui.card_dialog(value, table, cache.full_frames(year), year, as_of, widgets.column_config)
    elif kind == "gap" and result is not None:
        glance_ui.gap_dialog(value, result, cache.full_frames(year), widgets.column_config)


def recent_imports() -> None:
    st.subheader(texts.BOARD_IMPORTS_TITLE)
    history = cache.batches().head(RECENT_IMPORTS)
    shown = history[list(texts.BOARD_IMPORT_COLUMNS)].assign(
        created_at=history["created_at"].map(local_time), status=history["status"].map(texts.STORE_BATCH_STATUS))
    st.dataframe(shown.rename(columns=texts.BOARD_IMPORT_COLUMNS), hide_index=True, placeholder="")
    if signin.can("editor"):  # a viewer has no upload page
        st.page_link("pages/upload.py", label=texts.PAGE_UPLOAD, icon=":material/upload_file:")


year, as_of = board.heading(texts.PAGE_OVERVIEW)
messages.show_flashes(FLASH_KEY)
if cache.is_empty():
    first_run()
    st.stop()
uploads = board.computed(glance.uploads)
table = glance.with_tolerance(board.progress(), load_settings().tolerance_pp)
result = None if uploads.year_empty else compliance_or_error()
if not uploads.year_empty:
    glance_ui.status_line(table, result)
glance_ui.freshness(board.computed(glance.freshness), cache.last_import())
if uploads.message():
    st.warning(uploads.message())
if not uploads.year_empty:
    cards_and_chart(table, result, selection.big_screen())
    compliance_summary(result, as_of)
    open_dialog(table, result, year, as_of)
with st.container(key=style.NO_PRINT_PREFIX + "-imports"):
    recent_imports()
