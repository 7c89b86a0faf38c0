"""数据查询: one register's rows, filtered (dates, 类型/类别, person, object, free text), shown and
downloaded as .xlsx or .csv. Filters are kept per register across page switches and in the address
(``?reg=study&type=集中学习,研讨交流&from=2025-01-01&to=2025-06-30&q=…``, so a link opens the same
query); the download files are built only when asked for."""

from datetime import date, datetime

import streamlit as st

from data import schema, texts
from data.export import to_csv, to_xlsx
from data.query import Filters, filter_rows
from ui import cache, downloads, selection, signin, urlstate, widgets

signin.require_role("viewer")  # every page checks: a page can be run without app.py (see ui.navigation.PAGE_ROLES)

EXPORT = "query.export"  # {"key": (register, filters, data version), "xlsx", "csv", "stamp"}

st.header(texts.PAGE_QUERY)
year, _ = selection.selection()
REGISTER, DATE_FROM, DATE_TO, PERSON, OBJECT, TEXT = "reg", "from", "to", "person", "object", "q"


def _set(key: str, value) -> None:
    """Seed a kept widget (``widgets.kept``) with ``value``."""
    st.session_state[key] = st.session_state[key + ".w"] = value


def from_address() -> None:
    """A link with filters: they seed this page's widgets once (invalid values are left out)."""
    params = urlstate.page_params("query")
    key = params.get(REGISTER)
    if key not in schema.REGISTERS:
        return
    _set("query.register", key)
    start, end = urlstate.parse_date(params.get(DATE_FROM)), urlstate.parse_date(params.get(DATE_TO))
    if start and end and start <= end:
        _set(f"query.dates.{year}", (start, end))
    for col in (c for c in schema.REGISTERS[key].columns if c.kind == schema.ENUM and c.key in params):
        _set(f"query.{key}.{col.key}", [v for v in params[col.key].split(",") if v in col.values])
    for name, suffix in ((PERSON, "person"), (OBJECT, "object"), (TEXT, "text")):
        if name in params:
            _set(f"query.{key}.{suffix}", params[name])


from_address()

register = widgets.kept(st.selectbox, texts.QUERY_REGISTER, list(schema.REGISTERS), key="query.register",
                       default=schema.REGISTER_KEYS[0], format_func=lambda k: schema.REGISTERS[k].name)
reg = schema.REGISTERS[register]


def labels(keys) -> str:
    return "、".join(reg.column(k).label for k in keys)


date_from = date_to = None
enums = [c for c in reg.columns if c.kind == schema.ENUM]
left, right = st.columns(2)
with left:
    if reg.period != "all":
        dates = widgets.kept(st.date_input, texts.QUERY_DATES, key=f"query.dates.{year}",
                            default=(date(year, 1, 1), date(year, 12, 31)), format="YYYY-MM-DD")
        date_from, date_to = (tuple(dates) + (None, None))[:2]
    chosen = {c.key: widgets.kept(st.multiselect, c.label, list(c.values), key=f"query.{register}.{c.key}",
                                 default=[], placeholder=texts.UI_CHOOSE) for c in enums}
with right:
    person = obj = ""
    if reg.person_columns:
        person = widgets.kept(st.text_input, texts.QUERY_CONTAINS.format(columns=labels(reg.person_columns)),
                             key=f"query.{register}.person", default="")
    if reg.object_columns:
        obj = widgets.kept(st.text_input, texts.QUERY_CONTAINS.format(columns=labels(reg.object_columns)),
                          key=f"query.{register}.object", default="")
    text = widgets.kept(st.text_input, texts.FILTER_TEXT, key=f"query.{register}.text", default="",
                       help=texts.QUERY_TEXT_HELP)

urlstate.publish_page({
    REGISTER: register, DATE_FROM: date_from.isoformat() if date_from else "",
    DATE_TO: date_to.isoformat() if date_to else "", PERSON: person, OBJECT: obj, TEXT: text,
    **{k: ",".join(v) for k, v in chosen.items()}})
types = tuple(chosen.pop(reg.type_column, ()))
filters = Filters(date_from=date_from, date_to=date_to, types=types, person=person.strip(), obj=obj.strip(),
                  text=text.strip(), extra={k: tuple(v) for k, v in chosen.items() if v})
rows = filter_rows(cache.load(register, date_from, date_to), register, filters)

if rows.empty:
    st.info(texts.QUERY_NO_ROWS)
else:
    st.caption(texts.QUERY_ROWS.format(rows=len(rows)))
    st.dataframe(rows, hide_index=True, placeholder="", column_order=reg.keys,
                 column_config=widgets.column_config(register))
    key = (register, filters, cache.data_version())
    if st.button(texts.QUERY_PREPARE, help=texts.QUERY_PREPARE_HELP, icon=":material/table_view:"):
        now = datetime.now()
        st.session_state[EXPORT] = {
            "key": key, "stamp": now.strftime("%Y%m%d_%H%M%S"), "csv": to_csv(rows, register),
            "xlsx": to_xlsx(rows, register, filters=filters.describe(register), exported_at=now)}
    export = st.session_state.get(EXPORT)
    if export and export["key"] == key:
        xlsx_col, csv_col = st.columns(2)
        xlsx_col.download_button(
            texts.QUERY_DOWNLOAD_XLSX, export["xlsx"], mime=downloads.XLSX_MIME, icon=":material/download:",
            on_click="ignore", type="primary",
            file_name=texts.QUERY_FILE_NAME.format(register=reg.name, stamp=export["stamp"], suffix="xlsx"))
        csv_col.download_button(
            texts.QUERY_DOWNLOAD_CSV, export["csv"], mime="text/csv", icon=":material/download:", on_click="ignore",
            file_name=texts.QUERY_FILE_NAME.format(register=reg.name, stamp=export["stamp"], suffix="csv"))
