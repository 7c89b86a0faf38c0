"""学习教育: sessions per month by 类型, cumulative vs plan, attendance by month, the 三会一课 heatmap."""

import streamlit as st

from data import texts
from data.errors import SettingsError
from data.schema import STUDY
from metrics import breakdowns
from metrics.progress import series
from ui import board, charts, messages, signin, style

signin.require_role("viewer")  # every page checks: a page can be run without app.py (see ui.navigation.PAGE_ROLES)

ATTENDANCE = "study.attendance"

table = board.register_page(texts.PAGE_STUDY, STUDY.key)

monthly = board.computed(breakdowns.monthly, STUDY.key, STUDY.type_column)
st.plotly_chart(charts.stacked_monthly(monthly, texts.CHART_STUDY_MONTHLY), theme=None)

cumulative = breakdowns.cumulative_rows(board.computed(series), table, STUDY.key)
style.chart_by_width("cumulative", lambda narrow: charts.cumulative_chart(
    cumulative, texts.CHART_STUDY_CUMULATIVE, narrow=narrow))

target = table.set_index("key").at[ATTENDANCE, "target"]
st.plotly_chart(charts.monthly_rate_chart(board.computed(breakdowns.monthly_indicator, ATTENDANCE),
                                          texts.CHART_ATTENDANCE, target), theme=None)

try:
    result = board.compliance_result()
except SettingsError as err:  # a malformed local rule in the settings
    st.error(messages.md(str(err)))
    st.stop()
st.plotly_chart(charts.compliance_heatmap(breakdowns.compliance_cells(result.grid), texts.CHART_HEATMAP), theme=None)
board.missing_table(result)
for note in result.notes:
    st.caption(messages.md(note))
