"""Real-world intake through the upload page (AppTest from app.py, real SQLite): a .xls written by
LibreOffice imports, a file with a cell that crashes the parser shows that cell as an error, a
header-only file says it has no data rows, a generic sheet name is a warning."""

from __future__ import annotations

from data import texts
from data.settings import load_settings
from data.store import Store
from tests.helpers import ROOT, XLSX, button, goto
from tests.xlsx_factory import Sheet, register_rows, xlsx_bytes

FILES = ROOT / "tests" / "files"
UPLOAD = "pages/upload.py"
XLS = "application/vnd.ms-excel"  # the media type a browser sends with an uploaded .xls


def open_upload(app):
    return goto(app(timeout=120).run(), UPLOAD)


def upload(at, name: str, data: bytes, mime: str = XLSX):
    at.file_uploader[0].set_value([(name, data, mime)]).run()
    assert not at.exception, at.exception
    return at


def issues(at):
    return at.dataframe[0].value


def store(url: str) -> Store:
    return Store(url, branch=load_settings().branch)


def test_an_xls_file_imports_through_the_page(app, app_db):
    at = open_upload(app)
    upload(at, "2025-03.xls", (FILES / "2025-03.xls").read_bytes(), XLS)
    assert not at.error, [e.value for e in at.error]
    button(at, texts.UPLOAD_CONFIRM).click().run()
    assert not at.exception, at.exception
    counts = store(app_db).counts()
    assert (counts["study"], counts["inspections"], counts["volunteer"]) == (9, 28, 42)


def test_a_cell_that_crashes_the_parser_is_an_error_on_the_page(app, app_db):
    rows = register_rows("volunteer", [
        {"date": "2025-03-08", "name": "王明", "activity": "社区清洁", "hours": 2},
        {"date": "2025-03-15", "name": "李华", "activity": "敬老院探访", "hours": 13800138000}])
    at = open_upload(app)
    upload(at, "时长.xlsx", xlsx_bytes({"志愿服务": Sheet(rows=rows, formats={"D3": "[h]:mm"})}))
    table = issues(at)
    errors = table.loc[table[texts.ISSUE_COLUMNS["level"]] == texts.ISSUE_LEVELS["error"]]
    assert errors[texts.ISSUE_COLUMNS["row"]].tolist() == [3]
    assert errors[texts.ISSUE_COLUMNS["column"]].tolist() == ["时长"]
    assert "13800138000 不是有效的时长" in errors[texts.ISSUE_COLUMNS["message"]].iloc[0]
    assert texts.UPLOAD_CONFIRM not in [b.label for b in at.button]
    assert not any(store(app_db).counts().values())


def test_a_header_only_file_has_no_data_rows_on_the_page(app, app_db):
    at = open_upload(app)
    upload(at, "空.xlsx", xlsx_bytes({"学习教育": register_rows("study", [])}))
    message = issues(at)[texts.ISSUE_COLUMNS["message"]].tolist()
    assert message == [texts.READER_NO_ROWS.format(file="空.xlsx", sheets="学习教育")]
    assert texts.UPLOAD_CONFIRM not in [b.label for b in at.button]


def test_a_generic_sheet_name_is_a_warning_and_the_register_imports(app, app_db):
    plan = [["序号", "学习内容", "时间安排", "责任人"], [1, "学习党章", "每月", "王明"]]
    study = register_rows("study", [{"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])
    at = open_upload(app)
    upload(at, "三月.xlsx", xlsx_bytes({"计划": plan, "学习教育": study}))
    table = issues(at)
    assert table[texts.ISSUE_COLUMNS["level"]].tolist() == [texts.ISSUE_LEVELS["warning"]]
    assert "「计划」" in table[texts.ISSUE_COLUMNS["message"]].iloc[0]
    button(at, texts.UPLOAD_CONFIRM).click().run()
    assert store(app_db).counts()["study"] == 1


# --- a hostile Word draft on the 年度总结 page (#13.2) -------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_hostile_draft_is_one_message_on_the_summary_page_and_the_next_draft_fills(app, app_db):
    from data.demo import SAMPLES_DIR
    from data.importer import import_files
    from tests.test_draft_sandbox import NESTED_LOOPS, draft

    assert not import_files(store(app_db), sorted(SAMPLES_DIR.glob("*.xlsx")), user="demo").rejected
    at = goto(app(timeout=240).run(), "pages/summary.py")
    at.file_uploader[0].set_value([("恶意.docx", draft(NESTED_LOOPS), DOCX)]).run()
    assert not at.exception, at.exception
    shown = [e.value for e in at.error]
    assert len(shown) == 1 and shown[0].startswith("恶意") and "已中止" in shown[0]  # shown as text (escaped)
    at.file_uploader[0].set_value([("正常.docx", draft("本年度开展集中学习{{study.collective}}次。"), DOCX)]).run()
    assert not at.exception and not at.error
    assert texts.SUMMARY_DRAFT_DONE in [s.value for s in at.success]
