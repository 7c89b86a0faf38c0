"""用户与日志 (admin only): the users who may sign in, the audit log (filters, downloads), backup and
restore: of the whole database while it holds one branch (the deployment's admin), else of the
session's branch (that branch's admin: only its rows, restored only into it while it holds none)."""

import re
from datetime import datetime
from functools import partial

import pandas as pd
import streamlit as st

from data import audit, backup, texts, users
from data.errors import DataError
from ui import branch_admin, cache, downloads, messages, signin

ZIP_MIME = "application/zip"
MESSAGES, BACKUP_ERRORS, RESTORE_GEN = "admin.messages", "admin.backup_errors", "admin.restore_generation"

me = signin.require_role("admin")
store = cache.get_store()


def _roles_shown(user: users.User) -> str:
    """The user's roles as the users file gives them: in the deployment's branch, in other branches (by
    name), and the organisation's (every branch); 无权限 only when there is none of them."""
    parts = [user.role_name] if user.role else []
    parts += [texts.ADMIN_ROLE_IN.format(branch=name, role=texts.ROLE_NAMES.get(role, role))
              for name, role in user.branch_roles]
    if user.organisation:
        parts.append(texts.ADMIN_ROLE_IN.format(branch=texts.ORG_ALL_BRANCHES,
                                                role=texts.ROLE_NAMES.get(user.organisation, user.organisation)))
    return "；".join(parts) or texts.ROLE_NONE


def _site_admin() -> bool:
    """The users file and the whole-database backup belong to the deployment, not to one branch of
    an organisation: only an admin of the deployment's branch (``DJ_BRANCH``) manages them here.
    Checked again in each action (the session may have switched branch since the page was drawn)."""
    return signin.signed_in().role == "admin" and cache.get_store().branch == cache.store_for(None).branch


def _one_branch() -> bool:
    """A backup holds every branch's rows: on the page only while the database holds one branch
    (read now, not cached: also called in the download's worker thread)."""
    from data import branches

    with cache.store_for(None).engine.begin() as conn:
        return len(branches.branches(conn)) <= 1


def _do(action, *args, done: str) -> None:
    """Run a user change (a callback) as the admin the users file says is acting NOW, and only
    for an admin of the deployment's branch; its result or refusal is shown after the rerun."""
    actor = signin.acting_site_admin(MESSAGES, _site_admin)
    if actor is None:
        return
    try:
        user = action(signin.users_path(), *args, actor=actor.name, store=store)
    except DataError as err:
        messages.flash(MESSAGES, "error", err.message)
        return
    messages.flash(MESSAGES, "success", done.format(name=user.name, role=user.role_name))


def add_user() -> None:
    state = st.session_state
    if state["admin.add.password"] != state["admin.add.again"]:
        messages.flash(MESSAGES, "error", texts.USERS_PASSWORD_MISMATCH)
        return
    _do(users.add_user, state["admin.add.name"].strip(), state["admin.add.role"], state["admin.add.password"],
        done=texts.ADMIN_ADDED)


def reset_password() -> None:
    state = st.session_state
    if state["admin.reset.password"] != state["admin.reset.again"]:
        messages.flash(MESSAGES, "error", texts.USERS_PASSWORD_MISMATCH)
        return
    _do(users.set_password, state["admin.reset.name"], state["admin.reset.password"], done=texts.ADMIN_RESET_DONE)


def remove_user() -> None:
    if not st.session_state["admin.remove.confirm"]:
        messages.flash(MESSAGES, "error", texts.ADMIN_CONFIRM_FIRST)
        return
    _do(users.remove_user, st.session_state["admin.remove.name"], done=texts.ADMIN_REMOVED)


def backup_file(name: str, actor: str, token: str | None, errors: list) -> bytes:
    """The backup, made when its download button is clicked: Streamlit calls this in a worker
    thread (no session there, so ``actor``, the server-side session ``token`` and ``errors`` come
    from the run that drew the button; the users file and the session are read again now, and only
    a current admin gets it) and serves the result once (``guard.serve_once``), so no backup waits in the server's
    memory at an address anyone could fetch. A refusal (``DataError``) is queued in ``errors`` for
    the page's next run; the browser is told the download failed."""
    import guard

    try:
        # _site_admin() and _one_branch(), without the session (none in this thread): still_allowed
        # reads the role the users file gives in the deployment's branch; the store is the drawing run's.
        actor = signin.still_allowed(actor, token, "admin").name
        if store.branch != cache.store_for(None).branch or not _one_branch():
            raise DataError(texts.ADMIN_BACKUP_MANY_BRANCHES)
        content = backup.backup(store, user=actor, file_name=name)
    except DataError as err:
        errors.append(err.message)
        raise
    guard.serve_once_content(content, ZIP_MIME, name)
    return content


def branch_backup_file(name: str, actor: str, token: str | None, errors: list, branch: str) -> bytes:
    """``backup_file`` for one branch (``branch``, its key, the drawing run's): only that branch's
    rows, and only for a user who is, now, an admin of that branch."""
    import guard

    try:
        actor = signin.still_allowed(actor, token, "admin", branch=branch).name
        content = backup.backup(cache.store_for(branch), user=actor, file_name=name, branch_only=True)
    except DataError as err:
        errors.append(err.message)
        raise
    guard.serve_once_content(content, ZIP_MIME, name)
    return content


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def restore(upload) -> None:
    actor = signin.acting("admin", MESSAGES)
    if actor is None:
        return
    whole = _site_admin() and _one_branch()  # else a branch backup, into the session's branch (now)
    try:
        rows = backup.restore(store if whole else cache.get_store(), upload.getvalue(), file_name=upload.name,
                              user=actor.name, branch_only=not whole)
    except DataError as err:
        messages.flash(MESSAGES, "error", err.message)
        return
    messages.flash(MESSAGES, "success", texts.RESTORE_DONE.format(file=upload.name, rows=rows))
    st.session_state[RESTORE_GEN] = st.session_state.get(RESTORE_GEN, 0) + 1


st.header(texts.PAGE_ADMIN)
messages.show_flashes(MESSAGES)
users_tab, audit_tab, backup_tab, branches_tab = st.tabs([texts.ADMIN_TAB_USERS, texts.ADMIN_TAB_AUDIT,
                                                          texts.ADMIN_TAB_BACKUP, texts.ADMIN_TAB_BRANCHES])

with users_tab:
    if signin.local_mode():
        st.info(texts.ADMIN_USERS_LOCAL)
    elif not _site_admin():
        st.info(texts.ADMIN_SITE_ONLY)
    else:
        current = sorted(users.load_users(signin.users_path()).values(), key=lambda u: u.name)
        st.dataframe(pd.DataFrame([{"name": u.name, "role": _roles_shown(u), "help": texts.ROLE_HELP.get(u.role, "")}
                                   for u in current], columns=list(texts.ADMIN_USER_COLUMNS))
                     .rename(columns=texts.ADMIN_USER_COLUMNS), hide_index=True, placeholder="")
        names = [u.name for u in current]
        with st.form("admin.add", clear_on_submit=True):
            st.markdown(f"**{texts.ADMIN_ADD_TITLE}**")
            st.text_input(texts.SIGNIN_NAME, key="admin.add.name", max_chars=users.MAX_NAME_CHARS)
            st.selectbox(texts.ADMIN_ROLE, users.ROLES, key="admin.add.role",
                         format_func=lambda r: f"{texts.ROLE_NAMES[r]}：{texts.ROLE_HELP[r]}")
            st.text_input(texts.SIGNIN_PASSWORD, type="password", key="admin.add.password")
            st.text_input(texts.ADMIN_PASSWORD_AGAIN, type="password", key="admin.add.again")
            st.form_submit_button(texts.ADMIN_ADD_BUTTON, on_click=add_user, icon=":material/person_add:")
        if names:
            with st.form("admin.reset", clear_on_submit=True):
                st.markdown(f"**{texts.ADMIN_RESET_TITLE}**")
                st.selectbox(texts.ADMIN_USER, names, key="admin.reset.name")
                st.text_input(texts.ADMIN_NEW_PASSWORD, type="password", key="admin.reset.password")
                st.text_input(texts.ADMIN_PASSWORD_AGAIN, type="password", key="admin.reset.again")
                st.form_submit_button(texts.ADMIN_RESET_BUTTON, on_click=reset_password, icon=":material/key:")
            with st.form("admin.remove", clear_on_submit=True):
                st.markdown(f"**{texts.ADMIN_REMOVE_TITLE}**")
                st.selectbox(texts.ADMIN_USER, names, key="admin.remove.name")
                st.checkbox(texts.ADMIN_REMOVE_CONFIRM, key="admin.remove.confirm")
                st.form_submit_button(texts.ADMIN_REMOVE_BUTTON, on_click=remove_user, icon=":material/person_remove:")

with audit_tab:
    st.caption(texts.AUDIT_INTRO)
    left, middle, right = st.columns(3)
    dates = left.date_input(texts.AUDIT_FILTER_DATES, value=(), format="YYYY-MM-DD", key="admin.audit.dates")
    who = middle.multiselect(texts.AUDIT_FILTER_USERS, audit.users(store), key="admin.audit.users",
                             placeholder=texts.UI_CHOOSE)
    what = right.multiselect(texts.AUDIT_FILTER_ACTIONS, list(texts.AUDIT_ACTIONS), key="admin.audit.actions",
                             format_func=texts.AUDIT_ACTIONS.get, placeholder=texts.UI_CHOOSE)
    dates = tuple(dates) if isinstance(dates, (tuple, list)) else (dates,)
    filters = audit.AuditFilter(date_from=dates[0] if dates else None, date_to=dates[-1] if dates else None,
                                users=tuple(who), actions=tuple(what))
    log = audit.entries(store, filters)
    if log.empty:
        st.info(texts.AUDIT_EMPTY)
    else:
        st.caption(texts.AUDIT_COUNT.format(rows=len(log)))
        st.dataframe(audit.display(log), hide_index=True, placeholder="")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        one, two = st.columns(2)
        one.download_button(texts.AUDIT_DOWNLOAD_XLSX, data=audit.to_xlsx(log), mime=downloads.XLSX_MIME,
                            on_click="ignore", file_name=texts.AUDIT_FILE_NAME.format(stamp=stamp, suffix="xlsx"),
                            icon=":material/download:")
        two.download_button(texts.AUDIT_DOWNLOAD_CSV, data=audit.to_csv(log), mime="text/csv", on_click="ignore",
                            file_name=texts.AUDIT_FILE_NAME.format(stamp=stamp, suffix="csv"),
                            icon=":material/download:")

with backup_tab:
    for message in st.session_state.pop(BACKUP_ERRORS, []):
        st.error(messages.md(message))
    whole = _site_admin() and _one_branch()
    upload_limit = st.get_option("server.maxUploadSize") * 2**20
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    errors = st.session_state.setdefault(BACKUP_ERRORS, [])
    token = st.session_state.get(signin.TOKEN_KEY)
    if whole:
        st.caption(texts.BACKUP_INTRO)
        name = texts.BACKUP_FILE_NAME.format(stamp=stamp)
        make, label = partial(backup_file, name, me.name, token, errors), texts.BACKUP_DOWNLOAD
    else:  # several branches: this branch's rows only, for this branch's admin (checked again at the click)
        st.caption(messages.md(texts.BACKUP_BRANCH_INTRO.format(branch=store.branch_name)))
        name = texts.BACKUP_BRANCH_FILE_NAME.format(branch=re.sub(r'[\\/:*?"<>|\s]', "_", store.branch_name),
                                                    stamp=stamp)
        make = partial(branch_backup_file, name, me.name, token, errors, store.branch)
        label = texts.BACKUP_BRANCH_DOWNLOAD
    if (expected := backup.estimated_size(store, branch_only=not whole)) > upload_limit:
        st.warning(texts.BACKUP_WEB_TOO_BIG.format(size=_mb(expected), limit=_mb(upload_limit)))
    st.download_button(label, data=make, file_name=name, mime=ZIP_MIME, on_click="ignore",
                       icon=":material/download:", type="primary")
    st.subheader(texts.RESTORE_TITLE)
    st.caption(texts.RESTORE_INTRO.format(limit=_mb(upload_limit)) if whole
               else texts.RESTORE_BRANCH_INTRO.format(limit=_mb(upload_limit)))
    upload = st.file_uploader(texts.RESTORE_FILE, type=["zip", "xlsx"],
                              key=f"admin.restore.{st.session_state.get(RESTORE_GEN, 0)}")
    if upload is not None:
        st.button(texts.RESTORE_BUTTON, on_click=restore, args=(upload,), type="primary", icon=":material/restore:")

with branches_tab:  # the branches belong to the deployment, like its users
    if signin.local_mode() or _site_admin():
        branch_admin.render(MESSAGES, _site_admin)
    else:
        st.info(texts.ADMIN_SITE_ONLY)
