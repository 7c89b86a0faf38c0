"""总览: where the branch stands against the year's plan, the 三会一课 gaps, the latest imports;
on an empty database, the first-run panel."""

import streamlit as st

from data import texts
from data.errors import SettingsError
from data.demo import DEMO_YEAR, load_demo
from data.texts import local_time
from data.template import build_template
from metrics import breakdowns
from metrics.catalogue import by_key, describe
from metrics.progress import progress_table
from metrics.states import label
from ui import board, cache, charts, downloads, messages, selection, signin

signin.require_role("viewer")  # every page checks: a page can be run without app.py (see ui.navigation.PAGE_ROLES)

FLASH_KEY = "overview.flash"
CARDS_PER_ROW = 4
RECENT_IMPORTS = 5


def _load_demo() -> None:
    """Button callback (runs before the page): import the demo year and select it in the sidebar."""
    outcome = load_demo(cache.get_store(), user=signin.current_user())
    if outcome.rejected:
        for message in (texts.BOARD_DEMO_FAILED, *(i.message for i in outcome.errors)):
            messages.flash(FLASH_KEY, "error", message)
        return
    rows = sum(r.added for r in outcome.results)
    messages.flash(FLASH_KEY, "success", texts.CLI_DEMO_DONE.format(files=len(outcome.parsed), rows=rows))
    selection.choose_year(DEMO_YEAR)


def first_run() -> None:
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


def card(row: dict) -> None:
    ind = by_key(row["key"])
    with st.container(border=True):
        st.metric(row["name"], charts.number(row["value"], row["unit"]), help=describe(ind))
        st.badge(label(row["status"]), color=charts.STATUS_BADGES.get(row["status"], "gray"))
        target = charts.number(row["target"], row["unit"])
        if ind.fraction:
            st.caption(texts.BOARD_CARD_DETAIL_RATE.format(target=target))
        else:
            st.caption(texts.BOARD_CARD_DETAIL.format(target=target, progress=charts.percent(row["time_progress"])))
        st.caption(row["summary"])


def cards(table) -> None:
    st.subheader(texts.BOARD_CARDS_TITLE)
    targeted = table.loc[table["target"].notna()].to_dict("records")
    if not targeted:
        st.info(texts.BOARD_NO_TARGETS.format(year=selection.selection()[0]))
        return
    for start in range(0, len(targeted), CARDS_PER_ROW):
        for column, row in zip(st.columns(CARDS_PER_ROW), targeted[start:start + CARDS_PER_ROW]):
            with column:
                card(row)
    st.plotly_chart(charts.completion_chart(table.loc[table["target"].notna()]), theme=None)


def compliance_summary(as_of) -> None:
    st.subheader(texts.BOARD_COMPLIANCE_TITLE)
    try:
        result = board.compliance_result()
    except SettingsError as err:  # a malformed local rule in the settings
        st.error(messages.md(str(err)))
        return
    met, missing, not_due = breakdowns.compliance_counts(result.grid).values()
    st.write(texts.BOARD_COMPLIANCE_COUNTS.format(
        as_of=texts.long_date(as_of),
        met=met, missing=missing, not_due=not_due))
    board.missing_table(result)
    if result.notes:
        with st.expander(texts.BOARD_NOTES_TITLE.format(count=len(result.notes))):
            for note in result.notes:
                st.text(note)


def recent_imports() -> None:
    st.subheader(texts.BOARD_IMPORTS_TITLE)
    history = cache.batches().head(RECENT_IMPORTS)
    shown = history[list(texts.BOARD_IMPORT_COLUMNS)].assign(
        created_at=history["created_at"].map(local_time), status=history["status"].map(texts.STORE_BATCH_STATUS))
    st.dataframe(shown.rename(columns=texts.BOARD_IMPORT_COLUMNS), hide_index=True)
    if signin.can("editor"):  # a viewer has no upload page
        st.page_link("pages/upload.py", label=texts.PAGE_UPLOAD, icon=":material/upload_file:")


year, as_of = board.heading(texts.PAGE_OVERVIEW)
messages.show_flashes(FLASH_KEY)
if cache.is_empty():
    first_run()
    st.stop()
cards(board.computed(progress_table))
compliance_summary(as_of)
recent_imports()
