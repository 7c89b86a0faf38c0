"""User text is shown as text, never as markdown or HTML (issue #13.8): names, file names, sheet
names and values written as markdown images, links and HTML go through the one escaping helper
(``md``) wherever Streamlit renders markdown, through AppTest of the real app.py. What the front end
makes of the escaped text is checked in Chromium (tests/test_browser.py)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st_

from data import texts, users
from data.importer import import_files
from data.settings import load_settings
from data.store import Store
from ui import messages, signin
from tests.xlsx_factory import register_rows, xlsx_bytes

IMAGE_AND_LINK = "![x](http://127.0.0.1:1/a.png) [link](http://evil.example)"
HTML = "<img src=x onerror=alert(1)>"
MARKUP = "**粗体** :red[红] :material/home: $x^2$ www.evil.example a@evil.example # 标题"
HOSTILE = [IMAGE_AND_LINK, HTML, MARKUP]
PUNCTUATION = r"""!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def shown(markdown: str) -> str:
    """What a CommonMark renderer shows for ``md``'s output: escapes undone, joiners dropped."""
    return re.sub(r"\\([" + re.escape(PUNCTUATION) + "])", r"\1", markdown).replace("\u2060", "")


def inert(markdown: str) -> bool:
    """No ASCII punctuation in ``markdown`` is left unescaped (so none can start markup), and no
    ``.``, ``@`` or ``:`` can join a bare address the front end would link."""
    body = markdown.replace("\u2060", "")
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in PUNCTUATION:
            return False
        i += 1
    return not re.search(r"[^\u2060]\\\.|\\\.[^\u2060]|\\[@:][^\u2060]", markdown)


@settings(max_examples=300, deadline=None)
@given(st_.text().map(lambda t: t.replace("\u2060", "")))  # the joiner itself aside
def test_md_shows_any_text_literally(text):
    out = messages.md(text)
    assert shown(out) == text
    assert inert(out)


def has_literal(elements, text: str) -> bool:
    """Some element shows ``text`` literally: its markdown source is escaped (``inert`` around it)
    and shows it, or it is plain text."""
    for e in elements:
        value = str(e.value)
        if messages.md(text) in value or (e.type == "text" and text in value):
            return True
    return False


def test_names_and_file_names_are_escaped_everywhere_they_show(app, app_db, tmp_path, monkeypatch):
    # An operator and a file name written as markup, from an import outside the app (cli --user).
    book = tmp_path / "三月 [x](http:evil) <b>.xlsx"
    book.write_bytes(xlsx_bytes({"学习教育": register_rows("study", [
        {"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])}))
    import_files(Store(app_db, branch=load_settings().branch), [book], user=IMAGE_AND_LINK + HTML)
    # A signed-in admin whose name is markup.
    path = tmp_path / "users.toml"
    admin = users.User(MARKUP, "admin", users.hash_password("admin-password", rounds=4))
    users.save_users(path, {MARKUP: admin})
    monkeypatch.setenv("DJ_USERS_FILE", str(path))

    at = app()
    at.session_state[signin.AUTH_KEY] = MARKUP
    at.session_state[signin.TOKEN_KEY] = signin.sessions().start(admin)
    at.run()
    assert not at.exception
    captions = list(at.sidebar.caption) + list(at.sidebar.text)
    assert has_literal(captions, IMAGE_AND_LINK + HTML)  # the last import's operator
    assert has_literal(captions, texts.SIDEBAR_SIGNED_IN.format(name=MARKUP, role="管理"))
    assert all(inert(str(c.value).split("：", 1)[-1]) for c in at.sidebar.caption if "evil" in str(c.value))

    at.switch_page("pages/upload.py").run()
    undo_line = "\n".join(str(m.value) for m in at.markdown)
    assert messages.md(book.name) in undo_line and messages.md(IMAGE_AND_LINK + HTML) in undo_line
    assert book.name not in undo_line and HTML not in undo_line

    # Upload under a markup file name: the result line shows it escaped.
    april = xlsx_bytes({"学习教育": register_rows("study", [
        {"date": "2025-04-02", "type": "集中学习", "topic": "学"}])})
    at.file_uploader[0].set_value([(HTML + ".xlsx", april, XLSX)]).run()
    [confirm] = [b for b in at.button if b.label == texts.UPLOAD_CONFIRM]
    confirm.click().run()
    assert has_literal(at.success, HTML + ".xlsx")
    assert not any(HTML in str(e.value) for e in list(at.success) + list(at.caption) + list(at.markdown))

    # The admin page: add a user whose name is markup; the confirmation shows it escaped.
    at.switch_page("pages/admin.py").run()
    at.text_input(key="admin.add.name").input(IMAGE_AND_LINK)
    at.text_input(key="admin.add.password").input("new-user-password")
    at.text_input(key="admin.add.again").input("new-user-password")
    [add] = [b for b in at.button if b.label == texts.ADMIN_ADD_BUTTON]
    add.click().run()
    assert has_literal(at.success, texts.ADMIN_ADDED.format(name=IMAGE_AND_LINK, role="查看"))
