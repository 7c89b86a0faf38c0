"""What every page shares: the store, cached reads keyed by the store's version, the sidebar
(branch, year, as-of date, data freshness) and the navigation."""

from __future__ import annotations

import getpass
import math
import re
import runpy
import secrets
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from data import texts, users
from data.settings import load_settings
from data.store import Store
from data.texts import local_time

YEAR_KEY, AS_OF_KEY = "year", "as_of"


# Every page by section, as (path, title, icon); the first is the default page.
PAGES = {
    texts.NAV_BOARD: [
        ("pages/overview.py", texts.PAGE_OVERVIEW, ":material/dashboard:"),
        ("pages/study.py", texts.PAGE_STUDY, ":material/menu_book:"),
        ("pages/inspections.py", texts.PAGE_INSPECTIONS, ":material/fact_check:"),
        ("pages/volunteer.py", texts.PAGE_VOLUNTEER, ":material/volunteer_activism:"),
        ("pages/summary.py", texts.PAGE_SUMMARY, ":material/description:"),
    ],
    texts.NAV_DATA: [
        ("pages/upload.py", texts.PAGE_UPLOAD, ":material/upload_file:"),
        ("pages/query.py", texts.PAGE_QUERY, ":material/table_view:"),
    ],
    texts.NAV_SETTINGS: [
        ("pages/targets.py", texts.PAGE_TARGETS, ":material/flag:"),
    ],
    texts.NAV_ADMIN: [
        ("pages/admin.py", texts.PAGE_ADMIN, ":material/admin_panel_settings:"),
    ],
}
# The least role a page needs (data.users.ROLES); any other page is for every role. Every page
# also calls ``require_role`` at its top, which first makes sure the run went through app.py
# (``ensure_routed``), so the navigation is not the only thing that keeps anyone out.
PAGE_ROLES = {"pages/upload.py": "editor", "pages/targets.py": "editor", "pages/admin.py": "admin"}
DEFAULT_PAGE = PAGES[texts.NAV_BOARD][0][0]


def pages_for(role: str) -> dict[str, list[tuple[str, str, str]]]:
    """The sections and pages ``role`` may use; a section with none is left out."""
    out = {}
    for section, pages in PAGES.items():
        allowed = [p for p in pages if users.allows(role, PAGE_ROLES.get(p[0], "viewer"))]
        if allowed:
            out[section] = allowed
    return out


def navigation_sections(role: str = "admin") -> dict[str, list]:
    """``st.navigation``'s sections for ``role``: a page the role may not use is not listed."""
    return {section: [st.Page(path, title=title, icon=icon, default=path == DEFAULT_PAGE)
                      for path, title, icon in pages]
            for section, pages in pages_for(role).items()}


@st.cache_resource
def get_store() -> Store:
    """One store (engine and connection pool) per server process."""
    return Store()


def data_version() -> tuple[int, int]:
    """Cheap query whose value changes with every write: the key of every cached read below, so
    no page ever shows data older than the last import, undo or target change (any session's)."""
    return get_store().version()


@st.cache_data(show_spinner=False, max_entries=16)
def _frames(branch: str, version: tuple[int, int], years: tuple[int, ...]) -> dict[str, pd.DataFrame]:
    return get_store().frames(list(years))


def frames(year: int) -> dict[str, pd.DataFrame]:
    """The registers for ``year`` and the year before (同比), targets and roster."""
    store = get_store()
    return _frames(store.branch, data_version(), (year - 1, year))


@st.cache_data(show_spinner=False, max_entries=16)
def _years(branch: str, version: tuple[int, int]) -> list[int]:
    return get_store().years()


@st.cache_data(show_spinner=False, max_entries=16)
def _last_import(branch: str, version: tuple[int, int]) -> dict | None:
    return get_store().last_import()


def default_year(years: list[int], today: date) -> int:
    return max(years) if years else today.year


def default_as_of(year: int, today: date) -> date:
    """The CLI's default as-of date (``metrics.progress.default_as_of``: today, or 31 Dec for a past
    year), kept inside the sidebar's date range: a future year starts on 1 Jan."""
    from metrics.progress import default_as_of as metrics_default

    return max(metrics_default(year, today), date(year, 1, 1))


def selection() -> tuple[int, date]:
    """The year and as-of date chosen in the sidebar."""
    year = st.session_state.get(YEAR_KEY) or default_year(_years(get_store().branch, data_version()), date.today())
    as_of = st.session_state.get(AS_OF_KEY) or default_as_of(year, date.today())
    return int(year), as_of


def _on_year_change() -> None:
    st.session_state[AS_OF_KEY] = default_as_of(st.session_state[YEAR_KEY], date.today())


def sidebar() -> None:
    store = get_store()
    version = data_version()
    today = date.today()
    years = _years(store.branch, version)
    options = sorted(set(years) | {today.year}, reverse=True)
    if st.session_state.get(YEAR_KEY) not in options:
        st.session_state[YEAR_KEY] = default_year(years, today)
        st.session_state[AS_OF_KEY] = default_as_of(st.session_state[YEAR_KEY], today)
    with st.sidebar:
        st.markdown(f"**{texts.SIDEBAR_BRANCH}**")
        st.text(load_settings().branch)
        st.selectbox(texts.SIDEBAR_YEAR, options, key=YEAR_KEY, on_change=_on_year_change,
                     format_func=lambda y: texts.YEAR_FORMAT.format(year=y))
        year = st.session_state[YEAR_KEY]
        st.date_input(texts.SIDEBAR_AS_OF, key=AS_OF_KEY, min_value=date(year, 1, 1),
                      max_value=date(year, 12, 31), format="YYYY-MM-DD", help=texts.SIDEBAR_AS_OF_HELP)
        last = _last_import(store.branch, version)
        if last:
            st.caption(texts.SIDEBAR_FRESHNESS.format(time=local_time(last["created_at"]), user=last["user"]))
        else:
            st.caption(texts.SIDEBAR_NO_DATA)


# --- board pages (总览, 学习教育, 检查核查, 志愿服务) ----------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _computed(_fn, name: str, branch: str, version: tuple[int, int], year: int, as_of: date, args: tuple):
    return _fn(frames(year), year, as_of, *args)


def computed(fn, *args):
    """``fn(frames, year, as_of, *args)`` for the sidebar's year and as-of date, cached per
    (function, data version, year, as-of, args): a metrics result is computed once per write."""
    year, as_of = selection()
    name = f"{fn.__code__.co_filename}:{fn.__qualname__}"
    return _computed(fn, name, get_store().branch, data_version(), year, as_of, args)


def _compliance(frames_: dict, year: int, as_of: date, local: list):
    from metrics.compliance import compliance

    return compliance(frames_, year, as_of, local=local)


def compliance_result():
    """三会一课 compliance (``metrics.compliance.compliance``) with the settings' local rules, cached
    like ``computed``. Raises ``SettingsError`` (a Chinese message) when a local rule is malformed."""
    return computed(_compliance, load_settings().local_rules)


@st.cache_data(show_spinner=False, max_entries=16)
def _counts(branch: str, version: tuple[int, int]) -> dict[str, int]:
    return get_store().counts()


def is_empty() -> bool:
    """No live row in any register (a first run, or every import undone)."""
    return not any(_counts(get_store().branch, data_version()).values())


@st.cache_data(show_spinner=False, max_entries=16)
def _batches(branch: str, version: tuple[int, int]) -> pd.DataFrame:
    return get_store().batches()


def batches() -> pd.DataFrame:
    """The import history (``Store.batches``), newest first, cached per data version."""
    return _batches(get_store().branch, data_version())


def choose_year(year: int) -> None:
    """Select ``year`` and its default as-of date in the sidebar; call from a widget callback."""
    st.session_state[YEAR_KEY] = year
    st.session_state[AS_OF_KEY] = default_as_of(year, date.today())


def heading(title: str) -> tuple[int, date]:
    """The page title with the selected year and as-of date under it; returns (year, as_of)."""
    year, as_of = selection()
    st.header(title)
    st.caption(texts.BOARD_SUBTITLE.format(
        year=year, as_of=texts.long_date(as_of)))
    return year, as_of


def has_rows(register: str) -> bool:
    """Whether the register has rows in the selected year up to the as-of date; if not, says so."""
    from data.schema import REGISTERS
    from metrics.breakdowns import row_count

    if computed(row_count, register):
        return True
    year, as_of = selection()
    st.info(texts.BOARD_NO_YEAR_DATA.format(
        year=year, register=REGISTERS[register].name,
        as_of=texts.long_date(as_of)))
    return False


def missing_table(result) -> None:
    """What the 三会一课 compliance result (``metrics.compliance.Compliance``) finds missing so far."""
    from metrics.states import Mark

    grid = result.grid
    missing = grid.loc[grid["status"] == Mark.MISSED, list(texts.BOARD_MISSING_COLUMNS)]
    if missing.empty:
        st.success(texts.COMPLIANCE_ALL_MET)
        return
    st.dataframe(missing.fillna("").rename(columns=texts.BOARD_MISSING_COLUMNS), hide_index=True)


def register_page(title: str, register: str) -> pd.DataFrame:
    """The top of a register page (学习教育, 检查核查, 志愿服务): title, then the page stops if the
    register has no rows for the selection, else its key figures; returns the plan-progress table."""
    from metrics.progress import progress_table

    heading(title)
    if not has_rows(register):
        st.stop()
    table = computed(progress_table)
    key_figures(table, register)
    return table


def key_figures(table: pd.DataFrame, register: str) -> None:
    """One ``st.metric`` per indicator of ``register`` (value, and 口径 as help), from the
    ``metrics.progress.progress_table`` rows."""
    from metrics.catalogue import by_key, describe
    from pages.charts import number

    rows = [r for r in table.to_dict("records") if by_key(r["key"]).register == register]
    per_line = math.ceil(len(rows) / math.ceil(len(rows) / 4)) if rows else 1  # at most 4, lines balanced
    for start in range(0, len(rows), per_line):
        for column, row in zip(st.columns(per_line), rows[start:start + per_line]):
            column.metric(row["name"], number(row["value"], row["unit"]), help=describe(by_key(row["key"])),
                          border=True)


# --- data pages (数据上传, 数据查询, 计划目标) ------------------------------------------------------


def current_user() -> str:
    """Who is recorded in a batch and the audit log: the signed-in user, in local mode the
    operating-system account running the server."""
    user = signed_in()
    return user.name if user else texts.UI_DEFAULT_USER


def kept(widget, label: str, *args, key: str, default, **kwargs):
    """``widget(label, *args, **kwargs)`` whose value survives page switches: Streamlit drops a
    widget's state when its page is not rendered, so the value is also kept under ``key`` (a
    plain session key) and seeds the widget (key ``key + ".w"``) when the page is shown again."""
    wkey = key + ".w"
    if wkey not in st.session_state:
        st.session_state[wkey] = st.session_state.get(key, default)
    value = widget(label, *args, key=wkey, **kwargs)
    st.session_state[key] = value
    return value


@st.cache_data(show_spinner=False, max_entries=32)
def _load(branch: str, version: tuple[int, int], register: str, date_from, date_to) -> pd.DataFrame:
    return get_store().load(register, date_from=date_from, date_to=date_to)


def load(register: str, date_from: date | None = None, date_to: date | None = None) -> pd.DataFrame:
    """Live rows of one register (``Store.load``), cached per data version."""
    return _load(get_store().branch, data_version(), register, date_from, date_to)


def column_config(register: str) -> dict:
    """``st.dataframe`` column settings for a register: Chinese labels, dates as YYYY-MM-DD,
    whole numbers without decimals."""
    from data import schema

    config = {}
    for col in schema.REGISTERS[register].columns:
        if col.kind == schema.DATE:
            config[col.key] = st.column_config.DateColumn(col.label, format="YYYY-MM-DD")
        elif col.kind in (schema.INT, schema.YEAR):
            config[col.key] = st.column_config.NumberColumn(col.label, format="%d")
        elif col.kind == schema.FLOAT:
            config[col.key] = st.column_config.NumberColumn(col.label)
        else:
            config[col.key] = st.column_config.TextColumn(col.label)
    return config


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: str) -> str:
    """``text`` (file names, sheet names, users...) escaped so markdown shows it literally."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def flash(key: str, kind: str, text: str) -> None:
    """Queue a message (``kind``: success, info, warning, error) shown by ``show_flashes(key)``;
    for results of a callback or of a write followed by ``st.rerun``."""
    st.session_state.setdefault(key, []).append((kind, text))


def show_flashes(key: str) -> None:
    for kind, text in st.session_state.pop(key, []):
        getattr(st, kind)(md(text))


def show_check(outcome) -> bool:
    """An import's dry run (``data.importer.ImportOutcome``): skipped sheets, every error and
    warning in a table, then the rows to add / remove / keep per register and period. True when
    there is something to import and no error."""
    from data.importer import changes_frame, describe_issue_count, issues_frame

    for wb in outcome.parsed:
        for sheet in (s for s in wb.sheets if s.skipped):
            st.caption(md(texts.UPLOAD_SKIPPED.format(file=wb.file_name, sheet=sheet.sheet, reason=sheet.skipped)))
    errors, warnings = len(outcome.errors), len(outcome.issues) - len(outcome.errors)
    if errors:
        st.error(texts.UPLOAD_REJECTED.format(summary=describe_issue_count(outcome)))
    elif warnings:
        st.warning(texts.UPLOAD_WARNINGS.format(count=warnings))
    else:
        st.success(texts.UPLOAD_NO_ISSUES)
    if outcome.issues:
        st.dataframe(issues_frame(outcome.issues), hide_index=True)
    if errors:
        return False
    if outcome.nothing_to_do:
        st.info(texts.STORE_NOTHING_TO_DO)
        return False
    st.subheader(texts.UPLOAD_PREVIEW_TITLE)
    st.dataframe(changes_frame(outcome), hide_index=True)
    return True


# --- access: sign-in, roles, local mode (data.users) ---------------------------------------------

AUTH_KEY, CLIENT_KEY = "auth.user", "auth.client"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def users_path() -> str | None:
    """The users file (``DJ_USERS_FILE`` / ``users_file``); None means local mode (no sign-in)."""
    return load_settings().users_file


def local_mode() -> bool:
    return not users_path()


def local_user() -> users.User:
    """Local mode's one user: the operating-system account running the server, with every right."""
    try:
        name = getpass.getuser()
    except OSError:  # no user name in the environment or the password database
        name = texts.UI_DEFAULT_USER
    return users.User(name, "admin", "")


def signed_in() -> users.User | None:
    """This session's user, looked up in the users file on every run (removing a user or changing
    a role takes effect at their next click); local mode's user; None when signed out.
    ``DataError`` when the users file is malformed."""
    if local_mode():
        return local_user()
    known = users.load_users(users_path())  # read (and checked) on every run
    name = st.session_state.get(AUTH_KEY)
    user = known.get(name) if name else None
    if name and user is None:
        st.session_state.pop(AUTH_KEY, None)
    return user


def sign_in_as(user: users.User) -> None:
    st.session_state[AUTH_KEY] = user.name


def sign_out() -> None:
    """Forget this session's state (the next person at this browser starts afresh), except the
    client key the failed sign-in limit counts by."""
    client = st.session_state.get(CLIENT_KEY)
    st.session_state.clear()
    if client:
        st.session_state[CLIENT_KEY] = client


def client_id() -> str:
    """Where a sign-in comes from, for the failed sign-in limit: the client's address when the
    server knows it, else this browser session."""
    address = st.context.ip_address
    if isinstance(address, str) and address:
        return address
    return st.session_state.setdefault(CLIENT_KEY, secrets.token_hex(8))


def can(needed: str) -> bool:
    """Whether this session's user may do what role ``needed`` may (for buttons and links)."""
    user = signed_in()
    return user is not None and users.allows(user.role, needed)


ROUTED_KEY = "_routed_by_app"
APP_PATH = Path(__file__).resolve().parent.parent / "app.py"


def mark_routed() -> None:
    """app.py, just before it runs the chosen page: this run went through the router."""
    st.session_state[ROUTED_KEY] = True


def ensure_routed() -> None:
    """Make a page that runs without app.py go through it, in the same run.

    With a ``pages/`` folder beside the main script, Streamlit starts in its legacy multipage
    mode until the process has seen one ``st.navigation`` call: on a fresh server a request for a
    page's address (and every AppTest run after ``switch_page``) executes the page file directly,
    with no sign-in gate, sidebar or page config. Such a run executes app.py here instead (which
    routes to this same page, its widget events intact) and then ends the direct run.
    """
    if st.session_state.pop(ROUTED_KEY, False):
        return
    runpy.run_path(str(APP_PATH), run_name="__main__")
    st.stop()


def require_role(needed: str) -> users.User:
    """First line of every page but sign-in: its user, or an error and the page stops (a page
    reached without the navigation, e.g. by its address)."""
    ensure_routed()
    user = signed_in()
    if user is None or not users.allows(user.role, needed):
        st.error(texts.ACCESS_DENIED.format(role=user.role_name if user else texts.NOT_SIGNED_IN))
        st.stop()
    return user


def exposed_address() -> str | None:
    """The address the server listens on when other machines can reach it (unset: all of them)."""
    address = st.get_option("server.address")
    return None if address in LOOPBACK else (address or "0.0.0.0")


def account(user: users.User) -> None:
    """Sidebar: the local-mode notice, or who is signed in and the sign-out button."""
    with st.sidebar:
        st.divider()
        if local_mode():
            st.caption(texts.LOCAL_MODE_NOTICE)
        else:
            st.caption(md(texts.SIDEBAR_SIGNED_IN.format(name=user.name, role=user.role_name)))
            st.button(texts.SIGNOUT_BUTTON, on_click=sign_out, icon=":material/logout:")
