"""The branches (and the organisation above them) on 用户与日志: list, add, rename. The same data
functions as ``python cli.py branch`` (``data.branches``: checked names, one transaction under the
branches lock, an audit row); each action checks, when it runs, that the acting user is still an
admin of the deployment."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from data import branches, texts
from data.errors import DataError
from data.tables import BranchKind
from ui import cache, messages, signin


def _run(flashes: str, may: Callable[[], bool], change) -> None:
    """``change(conn, actor name)`` as the admin acting NOW (``signin.acting`` and ``may``, the page's
    deployment-admin check), in one write transaction; its message or refusal shown after the rerun."""
    actor = signin.acting_site_admin(flashes, may)
    if actor is None:
        return
    store = cache.store_for(None)
    try:
        with store.transaction(lock="branches") as conn:
            done = change(conn, actor.name)
    except DataError as err:
        messages.flash(flashes, "error", err.message)
        return
    cache.branch_records.clear()  # the picker and the pages see the change at once
    messages.flash(flashes, "success", done)


def _add(flashes: str, may: Callable[[], bool]) -> None:
    name = st.session_state.get("admin.branch.add.name") or ""
    kind = BranchKind(st.session_state.get("admin.branch.add.kind") or BranchKind.BRANCH)

    def change(conn, actor: str) -> str:
        record = branches.add(conn, name.strip(), user=actor, kind=kind)
        return texts.BRANCH_ADDED.format(kind=texts.BRANCH_KINDS[record.kind], name=record.name)

    _run(flashes, may, change)


def _rename(flashes: str, may: Callable[[], bool]) -> None:
    key = st.session_state.get("admin.branch.rename.which")
    new = (st.session_state.get("admin.branch.rename.name") or "").strip()

    def change(conn, actor: str) -> str:
        old = branches.get(conn, key).name
        record = branches.rename(conn, key, new, user=actor)
        return texts.BRANCH_RENAMED.format(old=old, new=record.name)

    _run(flashes, may, change)


def render(flashes: str, may: Callable[[], bool]) -> None:
    """The branch list and the add / rename forms (for the page's deployment admin)."""
    st.subheader(texts.ADMIN_BRANCHES_TITLE)
    with cache.store_for(None).engine.begin() as conn:
        records = branches.all_records(conn)
    names = {b.id: b.name for b in records}
    st.dataframe(pd.DataFrame([{"name": b.name, "kind": texts.BRANCH_KINDS[b.kind], "parent": names.get(b.parent, ""),
                                "created_at": texts.local_time(b.created_at)} for b in records],
                              columns=list(texts.ADMIN_BRANCH_COLUMNS)).rename(columns=texts.ADMIN_BRANCH_COLUMNS),
                 hide_index=True, placeholder="")
    with st.form("admin.branch.add", clear_on_submit=True):
        st.markdown(f"**{texts.ADMIN_BRANCH_ADD_TITLE}**")
        st.text_input(texts.ADMIN_BRANCH_NAME, key="admin.branch.add.name", max_chars=branches.MAX_NAME_CHARS)
        st.radio(texts.ADMIN_BRANCH_KIND, [BranchKind.BRANCH.value, BranchKind.ORGANISATION.value],
                 key="admin.branch.add.kind", format_func=texts.BRANCH_KINDS.get, horizontal=True)
        st.form_submit_button(texts.ADMIN_BRANCH_ADD_BUTTON, on_click=_add, args=(flashes, may),
                              icon=":material/add:")
    if records:
        with st.form("admin.branch.rename", clear_on_submit=True):
            st.markdown(f"**{texts.ADMIN_BRANCH_RENAME_TITLE}**")
            st.selectbox(texts.ADMIN_BRANCH_WHICH, [b.id for b in records], key="admin.branch.rename.which",
                         format_func=lambda k: names.get(k, k))
            st.text_input(texts.ADMIN_BRANCH_NEW_NAME, key="admin.branch.rename.name",
                          max_chars=branches.MAX_NAME_CHARS)
            st.form_submit_button(texts.ADMIN_BRANCH_RENAME_BUTTON, on_click=_rename, args=(flashes, may),
                                  icon=":material/edit:")
