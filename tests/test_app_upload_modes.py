"""The upload page's import modes and own words through AppTest from app.py, on a real SQLite file (issue #12.6, #12.7):
补录 in append mode adds one row and removes none; a replace that removes stored rows shows them in red
and cannot be confirmed without the tick; the branch's own words mapped on the page, then re-checked."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from streamlit.testing.v1.errors import AppTestError

from data import texts
from data.aliases import list_aliases
from data.importer import import_files
from data.settings import load_settings
from data.store import Store
from tests.xlsx_factory import register_rows, xlsx_bytes

UPLOAD = "pages/upload.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEC = [{"date": f"2025-12-{2 + i:02d}", "type": "集中学习", "topic": f"十二月第{i + 1}次学习"} for i in range(12)]
LATE = [{"date": "2025-12-30", "type": "谈心谈话", "topic": "补录 年终谈心谈话"}]


def app_store(url: str) -> Store:
    return Store(url, branch=load_settings().branch)


def open_upload(app):
    at = app().run()
    at.switch_page(UPLOAD).run()
    assert not at.exception, at.exception
    return at


def upload(at, name: str, data: bytes):
    at.file_uploader[0].set_value([(name, data, XLSX)]).run()
    assert not at.exception, at.exception
    return at


def button(at, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[0]


def text(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def december(app_db, tmp_path) -> None:
    path = tmp_path / "2025-12.xlsx"
    path.write_bytes(xlsx_bytes({"学习教育": register_rows("study", DEC)}))
    assert not import_files(app_store(app_db), [path], user="staff").rejected


def test_a_one_row_bulu_file_in_append_mode_adds_one_and_removes_none(app, app_db, tmp_path):
    december(app_db, tmp_path)
    at = open_upload(app)
    upload(at, "补录.xlsx", xlsx_bytes({"学习教育": register_rows("study", LATE)}))
    at.radio(key="upload.mode").set_value("append").run()
    assert not at.exception, at.exception
    changes = at.dataframe[0].value
    assert changes[texts.CHANGE_COLUMNS["added"]].tolist() == [1]
    assert changes[texts.CHANGE_COLUMNS["removed"]].tolist() == [0]
    assert not at.error  # no removal banner
    assert not button(at, texts.UPLOAD_CONFIRM).disabled
    button(at, texts.UPLOAD_CONFIRM).click().run()
    assert "新增 1 行，删除 0 行" in text(at.success)
    store = app_store(app_db)
    assert store.counts()["study"] == 13
    assert store.batches()["kind"].tolist() == ["append", "import"]


def test_a_replace_that_removes_rows_shows_them_in_red_and_needs_the_tick(app, app_db, tmp_path):
    december(app_db, tmp_path)
    at = open_upload(app)
    upload(at, "补录.xlsx", xlsx_bytes({"学习教育": register_rows("study", LATE)}))
    assert at.radio(key="upload.mode").value == "replace"
    assert texts.UPLOAD_NO_ISSUES not in text(at.success)  # no green banner over a removal
    assert texts.UPLOAD_REMOVAL_BANNER.format(count=12) in text(at.error)
    assert "将删除「学习教育」2025-12 已保存的 12 行" in text(at.markdown).replace("\\", "")
    listed = at.dataframe[1].value
    assert listed["主题"].tolist() == [r["topic"] for r in DEC]
    confirm = button(at, texts.UPLOAD_CONFIRM)
    assert confirm.disabled
    with pytest.raises(AppTestError):  # as in a browser, a disabled button cannot be clicked
        confirm.click()
    assert app_store(app_db).counts()["study"] == 12 and len(app_store(app_db).batches()) == 1

    tick = [c for c in at.checkbox if c.label == texts.UPLOAD_REMOVAL_TICK.format(count=12)]
    assert len(tick) == 1
    tick[0].check().run()
    assert not button(at, texts.UPLOAD_CONFIRM).disabled
    button(at, texts.UPLOAD_CONFIRM).click().run()
    assert "新增 1 行，删除 12 行" in text(at.success)
    assert app_store(app_db).counts()["study"] == 1


def test_a_confirmed_replace_is_refused_when_the_rows_to_remove_changed(app, app_db, tmp_path):
    december(app_db, tmp_path)
    at = open_upload(app)
    upload(at, "补录.xlsx", xlsx_bytes({"学习教育": register_rows("study", LATE)}))
    [c for c in at.checkbox if c.label == texts.UPLOAD_REMOVAL_TICK.format(count=12)][0].check().run()
    # Someone else adds a December row between the preview and the click.
    other = tmp_path / "other.xlsx"
    other.write_bytes(xlsx_bytes({"学习教育": register_rows("study", [
        {"date": "2025-12-29", "type": "支委会", "topic": "另一人补录"}])}))
    import_files(app_store(app_db), [other], user="someone", mode="append")
    button(at, texts.UPLOAD_CONFIRM).click().run()
    assert texts.STORE_REMOVALS_CHANGED.format(file="补录.xlsx") in text(at.error).replace("\\", "")
    assert app_store(app_db).counts()["study"] == 13  # nothing written
    # The new preview lists 13 rows, and they need their own tick.
    assert texts.UPLOAD_REMOVAL_BANNER.format(count=13) in text(at.error)
    assert button(at, texts.UPLOAD_CONFIRM).disabled


def own_words() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学习教育"
    ws.append(["日期", "会议类型", "学习要点"])
    ws.append([date(2025, 3, 4), "理论中心组学习", "学习党章"])
    ws.append([date(2025, 3, 18), "观看警示教育片", "廉政警示"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_mapping_the_branch_words_on_the_page_then_the_recheck_passes(app, app_db):
    at = open_upload(app)
    upload(at, "三月.xlsx", own_words())
    assert "全部文件均未导入" in text(at.error)
    header = at.selectbox(key="upload.map.header.study.学习要点")
    assert header.options[0] == "主题"  # the missing required column first
    header.set_value("topic").run()
    button(at, texts.UPLOAD_MAP_SAVE).click().run()
    assert not at.exception, at.exception
    assert "学习教育 表头“学习要点”→「主题」" in text(at.success)

    # Re-checked with the mapping: now the 类型 values are what is left to map.
    first = at.selectbox(key="upload.map.value.study.type.理论中心组学习")
    second = at.selectbox(key="upload.map.value.study.type.观看警示教育片")
    assert "理论中心组学习" in first.label and "集中学习" in first.options
    first.set_value("集中学习")
    second.set_value("警示教育").run()
    button(at, texts.UPLOAD_MAP_SAVE).click().run()
    assert not at.exception, at.exception
    assert not at.error  # the re-check passes
    button(at, texts.UPLOAD_CONFIRM).click().run()
    stored = app_store(app_db).load("study")
    assert stored["type"].tolist() == ["集中学习", "警示教育"]
    assert stored["topic"].tolist() == ["学习党章", "廉政警示"]

    # Listed and removable by an editor; the removal is the undo.
    listed = list_aliases(app_store(app_db))
    assert len(listed) == 3
    at.selectbox(key="upload.aliases.remove").set_value(int(listed["id"].iloc[0])).run()
    at.checkbox(key="upload.aliases.sure").check().run()
    button(at, texts.UPLOAD_ALIASES_REMOVE).click().run()
    assert len(list_aliases(app_store(app_db))) == 2
    assert "alias_remove" in [a for a in __import__("data.audit", fromlist=["entries"]).entries(
        app_store(app_db))["action"]]
