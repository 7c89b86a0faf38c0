"""The upload page's intake steps (issue #12.6, #12.7), shown between the check and the confirm:

- ``choose_mode``: 替换 or 追加（补录）, chosen before confirming;
- ``show_removals``: in red, per register and month, how many stored rows a replace removes, with
  those rows listed, and the explicit tick that confirming a removal needs;
- ``offer_mappings``: for a value or header not recognised, "把「理论中心组学习」当作 [集中学习 ▼]" /
  "「学习要点」是哪一列 [主题 ▼]", saved as the branch's own words (``data.aliases``) and applied at the
  next check;
- ``aliases_editor``: the branch's mappings listed, each removable (removal is the undo of a mapping).

Every write checks the current user's role when it runs. User text is never rendered as markdown.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from data import schema, texts
from data.aliases import AliasRefused, add_alias, describe, list_aliases, remove_alias
from data.importer import (ImportOutcome, headers_to_map, removal_rows_frame, removals, values_to_map)
from ui import cache, messages, signin

MODES = ("replace", "append")
# Removed rows listed per register and month at most (the count is always shown in full).
SHOWN_ROWS = 500


def choose_mode(key: str) -> str:
    """The import mode, chosen on the page before confirming (default: replace, as before)."""
    return st.radio(texts.UPLOAD_MODE_LABEL, MODES, format_func=texts.UPLOAD_MODES.get, key=key,
                    help=texts.UPLOAD_MODE_HELP, horizontal=True)


def show_removals(outcome: ImportOutcome, key: str) -> bool:
    """Show, in red, what a replace would remove (per register and month, with the rows). True when
    confirming may go ahead: nothing is removed, or the removal is explicitly ticked."""
    found = removals(cache.get_store(), outcome)
    if not found:
        return True
    total = sum(len(r.rows) for r in found)
    st.error(texts.UPLOAD_REMOVAL_BANNER.format(count=total), icon=":material/delete_forever:")
    for removal in found:
        register = schema.REGISTERS[removal.register].name
        st.markdown(":red[**" + messages.md(texts.UPLOAD_REMOVAL_PART.format(
            file=removal.file, register=register, period=removal.period, count=len(removal.rows))) + "**]")
        rows = removal_rows_frame(removal)
        if len(rows) > SHOWN_ROWS:
            st.caption(texts.UPLOAD_REMOVAL_FIRST.format(shown=SHOWN_ROWS, count=len(rows)))
        st.dataframe(rows.head(SHOWN_ROWS), hide_index=True)
    # The tick belongs to these very rows: other rows to remove (say, after another import) need a new tick.
    rows = hashlib.sha256(repr([(r.file, r.register, r.rows["id"].tolist()) for r in found]).encode()).hexdigest()
    return st.checkbox(texts.UPLOAD_REMOVAL_TICK.format(count=total), key=f"{key}.{rows[:16]}")


def offer_mappings(parsed: list, key: str, on_saved) -> None:
    """Offer to map each unrecognised fixed-choice value and each header that names no column; the
    chosen mappings are saved (audited) and ``on_saved()`` runs, so the files are checked again."""
    values, headers = values_to_map(parsed), headers_to_map(parsed)
    if not values and not headers:
        return
    with st.container(border=True):
        st.markdown(f"**{texts.UPLOAD_MAP_TITLE}**")
        st.caption(texts.UPLOAD_MAP_INTRO)
        choices = []
        for item in headers:
            reg = schema.REGISTERS[item.register]
            likely = [reg.column(k) for k in item.missing]
            options = [c.key for c in (likely + [c for c in reg.columns if c not in likely])]
            label = texts.UPLOAD_MAP_HEADER.format(register=reg.name, header=item.header)
            chosen = st.selectbox(label, options, index=None, key=f"{key}.header.{item.register}.{item.header}",
                                  format_func=lambda k, reg=reg: reg.column(k).label,
                                  placeholder=texts.UPLOAD_MAP_PLACEHOLDER)
            if chosen is not None:
                choices.append(dict(kind="header", register=item.register, column=chosen, alias=item.header))
        for item in values:
            reg = schema.REGISTERS[item.register]
            col = reg.column(item.column)
            label = texts.UPLOAD_MAP_VALUE.format(register=reg.name, column=col.label, value=item.value,
                                                  rows=item.rows)
            chosen = st.selectbox(label, col.values, index=None,
                                  key=f"{key}.value.{item.register}.{item.column}.{item.value}",
                                  placeholder=texts.UPLOAD_MAP_PLACEHOLDER)
            if chosen is not None:
                choices.append(dict(kind="value", register=item.register, column=item.column, alias=item.value,
                                    target=chosen))
        st.button(texts.UPLOAD_MAP_SAVE, icon=":material/translate:", disabled=not choices,
                  on_click=_save_mappings, args=(choices, on_saved), key=f"{key}.save")


def _save_mappings(choices: list[dict], on_saved) -> None:
    if not signin.can("editor"):  # the role as it is now, not when the page was drawn
        messages.flash(texts.UPLOAD_MAP_MESSAGES, "error", texts.ACCESS_DENIED.format(role=texts.NOT_SIGNED_IN))
        return
    user = signin.current_user()
    for choice in choices:
        try:
            add_alias(cache.get_store(), user=user, **choice)
        except AliasRefused as err:
            messages.flash(texts.UPLOAD_MAP_MESSAGES, "error", err.message)
        else:
            messages.flash(texts.UPLOAD_MAP_MESSAGES, "success", texts.UPLOAD_MAP_SAVED.format(
                what=describe({"column": choice["column"], "target": choice.get("target"), **choice})))
    on_saved()


def aliases_editor(key: str) -> None:
    """The branch's mappings, listed; an editor removes one (the undo of a mapping) after a tick."""
    frame = list_aliases(cache.get_store())
    with st.expander(texts.UPLOAD_ALIASES_TITLE.format(count=len(frame))):
        if frame.empty:
            st.caption(texts.ALIAS_NONE)
            return
        shown = frame.assign(kind=frame["kind"].map(texts.ALIAS_KINDS.get))[list(texts.ALIAS_COLUMNS)]
        st.dataframe(shown.rename(columns=texts.ALIAS_COLUMNS), hide_index=True)
        ids = frame["id"].tolist()
        by_id = frame.set_index("id", drop=False)
        chosen = st.selectbox(texts.UPLOAD_ALIASES_REMOVE_LABEL, ids, index=None, key=f"{key}.remove",
                              format_func=lambda i: f"{i}：{describe(by_id.loc[i])}",
                              placeholder=texts.UPLOAD_MAP_PLACEHOLDER)
        sure = st.checkbox(texts.UPLOAD_ALIASES_REMOVE_TICK, key=f"{key}.sure", disabled=chosen is None)
        st.button(texts.UPLOAD_ALIASES_REMOVE, icon=":material/delete:", disabled=chosen is None or not sure,
                  on_click=_remove, args=(chosen,), key=f"{key}.remove_button")


def _remove(alias_id: int | None) -> None:
    if alias_id is None:
        return
    if not signin.can("editor"):
        messages.flash(texts.UPLOAD_MAP_MESSAGES, "error", texts.ACCESS_DENIED.format(role=texts.NOT_SIGNED_IN))
        return
    try:
        what = remove_alias(cache.get_store(), alias_id, user=signin.current_user())
    except AliasRefused as err:
        messages.flash(texts.UPLOAD_MAP_MESSAGES, "error", err.message)
        return
    messages.flash(texts.UPLOAD_MAP_MESSAGES, "success", texts.ALIAS_REMOVED.format(id=alias_id, what=what))
