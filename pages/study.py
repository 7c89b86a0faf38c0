"""学习教育: sessions per month by 类型, cumulative vs plan, attendance by month, the 三会一课 heatmap,
学时 per member (metrics.study_hours)."""

import streamlit as st

from data import texts
from data.errors import SettingsError
from data.schema import STUDY
from data.settings import load_settings
from metrics import breakdowns
from metrics.progress import series
from metrics.study_hours import study_hours
from ui import board, charts, messages, signin, style

signin.require_role("viewer")  # every page checks: a page can be run without app.py (see ui.navigation.PAGE_ROLES)

ATTENDANCE = "study.attendance"


def hours_section() -> None:
    """学时 per member against 第二十条's yearly minimum: who is below the 序时 expectation."""
    st.subheader(texts.STUDY_HOURS_TITLE)
    try:
        result = board.computed(study_hours, load_settings().study_hours_min)
    except SettingsError as err:  # a malformed study_hours_min in the settings
        st.error(messages.md(err.message))
        return
    st.caption(texts.STUDY_HOURS_CAPTION.format(minimum=charts.number(result.minimum, "")))
    if not result.has_data:
        st.info(messages.md(result.message))
        return
    st.write(messages.md(result.sentence()))
    if result.year_over and result.below_minimum:
        st.warning(messages.md(texts.STUDY_HOURS_BELOW_MINIMUM.format(
            minimum=charts.number(result.minimum, ""), names="、".join(result.below_minimum))))
    elif result.below_expected:
        st.warning(messages.md(texts.STUDY_HOURS_BELOW_EXPECTED.format(
            expected=charts.number(round(result.expected, 1), ""), names="、".join(result.below_expected))))
    else:
        st.success(texts.STUDY_HOURS_ALL_MET)
    st.dataframe(result.table.rename(columns=texts.STUDY_HOURS_COLUMNS), hide_index=True)
    if result.rows_without_hours:
        st.caption(texts.STUDY_HOURS_WITHOUT_HOURS.format(rows=result.rows_without_hours))
    if result.not_in_roster:
        st.caption(messages.md(texts.STUDY_HOURS_NOT_IN_ROSTER.format(names="、".join(result.not_in_roster))))

table = board.register_page(texts.PAGE_STUDY, STUDY.key)

monthly = board.computed(breakdowns.monthly, STUDY.key, STUDY.type_column)
st.plotly_chart(charts.stacked_monthly(monthly, texts.CHART_STUDY_MONTHLY), theme=None)

cumulative = breakdowns.cumulative_rows(board.computed(series), table, STUDY.key)
style.chart_by_width("cumulative", lambda narrow: charts.cumulative_chart(
    cumulative, texts.CHART_STUDY_CUMULATIVE, narrow=narrow))

target = table.set_index("key").at[ATTENDANCE, "target"]
st.plotly_chart(charts.monthly_rate_chart(board.computed(breakdowns.monthly_indicator, ATTENDANCE),
                                          texts.CHART_ATTENDANCE, target), theme=None)

hours_section()

try:
    result = board.compliance_result()
except SettingsError as err:  # a malformed local rule in the settings
    st.error(messages.md(str(err)))
    st.stop()
st.plotly_chart(charts.compliance_heatmap(breakdowns.compliance_cells(result.grid), texts.CHART_HEATMAP), theme=None)
board.missing_table(result)
for note in result.notes:
    st.caption(messages.md(note))
