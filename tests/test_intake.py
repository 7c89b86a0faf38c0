"""Real-world intake (issue #12 points 1-4): workbooks from WPS 金山文档 / SharePoint, .xls files,
cells that crash the parser, and honest results and messages."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment

from data import safety, texts
from data.errors import RejectedFile
from data.importer import parse
from data.reader import read_workbook
from tests.helpers import ROOT
from tests import bad_inputs
from tests.xlsx_factory import Sheet, register_rows, xlsx_bytes

SAMPLE = ROOT / "data" / "samples" / "2025-03.xlsx"
FILES = ROOT / "tests" / "files"

# --- WPS 金山文档 and SharePoint parts (#12.1) -------------------------------------------------------

CUSTOM_XML_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
CUSTOM_PROPS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
# A SharePoint / WPS cloud customXml item: UTF-16 with a byte-order mark, as Office writes it.
ITEM_XML = ('<?xml version="1.0" encoding="utf-16"?><p:properties '
            'xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><documentManagement>'
            '<TaxCatchAll xmlns="bf1b6a19-7e2e-4e24-a3c0-3e4ce2f8ac1a"/><lcf76f155ced4ddcb4097134ff3c332f '
            'xmlns="f0e0b7ce-62d3-4b75-9b3c-1a7f2b7c0c4e"><Terms xmlns="http://schemas.microsoft.com/office/'
            'infopath/2007/PartnerControls"></Terms></lcf76f155ced4ddcb4097134ff3c332f></documentManagement>'
            '</p:properties>')
ITEM_PROPS = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?><ds:datastoreItem '
              'ds:itemID="{6A1F0F28-2F4B-4F77-A7D4-6C0E3A8B7D51}" '
              'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs>'
              '<ds:schemaRef ds:uri="http://schemas.microsoft.com/office/2006/metadata/properties"/>'
              '</ds:schemaRefs></ds:datastoreItem>')
ITEM_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
             'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
             'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps" '
             'Target="itemProps1.xml"/></Relationships>')
# WPS Office's own custom properties (KSOProductBuildVer, ICV), as WPS writes docProps/custom.xml.
WPS_CUSTOM = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties '
              'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
              '<vt:lpwstr>2052-12.1.0.16250</vt:lpwstr></property>'
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="ICV">'
              '<vt:lpwstr>0B8E3A4C5D1F4E2A9C7B6D5E4F3A2B1C_13</vt:lpwstr></property></Properties>')


def with_parts(data: bytes, parts: dict[str, bytes], overrides: dict[str, str], root_rels: list[tuple[str, str]],
               workbook_rels: list[tuple[str, str]]) -> bytes:
    """``data`` with extra parts, their content-type overrides and relationships, rewritten as
    a writer would (the other parts byte for byte)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                extra = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides.items())
                body = body.replace(b"</Types>", extra.encode() + b"</Types>")
            elif info.filename in ("_rels/.rels", "xl/_rels/workbook.xml.rels"):
                rels = root_rels if info.filename == "_rels/.rels" else workbook_rels
                extra = "".join(f'<Relationship Id="rIdX{i}" Type="{t}" Target="{target}"/>'
                                for i, (t, target) in enumerate(rels))
                body = body.replace(b"</Relationships>", extra.encode() + b"</Relationships>")
            dst.writestr(info, body)
        for name, body in parts.items():
            dst.writestr(name, body)
    return out.getvalue()


def sharepoint_parts(data: bytes) -> bytes:
    """A SharePoint / WPS cloud workbook: a UTF-16 customXml item with its properties."""
    return with_parts(
        data,
        {"customXml/item1.xml": b"\xff\xfe" + ITEM_XML.encode("utf-16-le"),
         "customXml/itemProps1.xml": ITEM_PROPS.encode(),
         "customXml/_rels/item1.xml.rels": ITEM_RELS.encode()},
        {"customXml/itemProps1.xml": "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"},
        [], [(CUSTOM_XML_REL, "../customXml/item1.xml")])


def wps_properties(data: bytes, encoding: str = "utf-8") -> bytes:
    body = WPS_CUSTOM.encode() if encoding == "utf-8" else (
        b"\xff\xfe" + WPS_CUSTOM.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le"))
    return with_parts(data, {"docProps/custom.xml": body},
                      {"docProps/custom.xml": "application/vnd.openxmlformats-officedocument.custom-properties+xml"},
                      [(CUSTOM_PROPS_REL, "docProps/custom.xml")], [])


def with_comment(data: bytes) -> bytes:
    """The workbook re-saved by openpyxl with a comment on its first sheet (openpyxl writes the
    comments part and its legacy VML drawing)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb.worksheets[0]["A1"].comment = Comment("请按月填写", "支部书记")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows_of(parsed, registers=None) -> dict:
    """Each register's rows as records, empty cells as None (NaN is not equal to itself)."""
    return {k: f.drop(columns=["_sheet"], errors="ignore").astype(object).pipe(lambda g: g.where(g.notna(), None))
            .to_dict("records") for k, f in parsed.frames.items() if registers is None or k in registers}


@pytest.mark.parametrize("variant", ["sharepoint", "wps_properties", "wps_properties_utf16", "comment", "all"])
def test_wps_and_sharepoint_parts_keep_the_sample_accepted(variant):
    data = SAMPLE.read_bytes()
    changed = {"sharepoint": sharepoint_parts, "wps_properties": wps_properties,
               "wps_properties_utf16": lambda d: wps_properties(d, "utf-16"), "comment": with_comment,
               "all": lambda d: with_comment(wps_properties(sharepoint_parts(d)))}[variant](data)
    assert changed != data
    safety.check_workbook_bytes(changed, "2025-03.xlsx")  # accepted
    before, after = read_workbook(data, "2025-03.xlsx"), read_workbook(changed, "2025-03.xlsx")
    assert after.ok and before.ok
    assert rows_of(after) == rows_of(before) and sum(len(f) for f in after.frames.values()) > 0


def test_the_parts_a_parser_reads_are_still_policed():
    data = SAMPLE.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = zf.read("xl/styles.xml")
    utf16 = b"\xff\xfe" + styles.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
    swapped = _replace_part(data, "xl/styles.xml", utf16)
    with pytest.raises(RejectedFile) as err:
        safety.check_workbook_bytes(swapped, "t.xlsx")
    assert err.value.code == "nonstandard" and "xl/styles.xml" in err.value.message
    # A part no parser reads is free in its encoding, never in its size: every bound still holds.
    huge = with_parts(data, {"customXml/item1.xml": b"\xff\xfe" + b"<\x00" * (safety.MAX_UNCOMPRESSED_BYTES // 2 + 1)},
                      {}, [], [])
    with pytest.raises(RejectedFile) as err:
        safety.check_workbook_bytes(huge, "t.xlsx")
    assert err.value.code == "bomb" and "customXml/item1.xml" in err.value.message


def _replace_part(data: bytes, name: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, body if info.filename == name else src.read(info))
    return out.getvalue()


# --- .xls (#12.2) --------------------------------------------------------------------------------------
# tests/files/*.xls are written by LibreOffice (tests/files/make_files.py regenerates them).

def cli(tmp_path, *args, expect: int):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == expect, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def test_xls_gives_the_rows_of_the_xlsx_saved_from_it():
    xls = read_workbook(FILES / "2025-03.xls")
    saved = read_workbook(FILES / "2025-03-from-xls.xlsx")
    sample = read_workbook(SAMPLE)
    assert xls.ok and saved.ok and not xls.issues
    # The .xls fixtures (tests/files/make_files.py, LibreOffice) predate the membership and work registers the
    # sample gained since: compared on the registers they hold.
    assert rows_of(xls) == rows_of(saved) == rows_of(sample, xls.frames)
    assert {k: len(f) for k, f in xls.frames.items()} == {k: len(f) for k, f in sample.frames.items() if k in xls.frames}


def test_xls_imports_through_the_cli(tmp_path):
    out = cli(tmp_path, "import", FILES / "2025-03.xls", expect=0).stdout
    assert "新增 9 行" in out and "新增 42 行" in out
    again = cli(tmp_path, "import", FILES / "2025-03-from-xls.xlsx", expect=0).stdout
    assert texts.CLI_NOTHING_TO_DO in again and "新增 0 行" in again  # the same rows


def test_encrypted_xls_keeps_its_own_message():
    parsed = parse(FILES / "encrypted.xls")
    assert [i.message for i in parsed.errors] == [texts.READER_PASSWORD.format(file="encrypted.xls")]


def test_wps_et_reads_like_xls_or_is_refused_by_name(tmp_path):
    # An .et that is BIFF8 inside (WPS's 兼容 save) is read like .xls; anything else is named.
    et = tmp_path / "台账.et"
    et.write_bytes((FILES / "2025-03.xls").read_bytes())
    assert rows_of(read_workbook(et)) == rows_of(read_workbook(FILES / "2025-03.xls"))
    et.write_bytes(safety.OLE2_MAGIC + bytes(1024))
    assert [i.message for i in parse(et).errors] == [texts.READER_WPS_ET.format(file="台账.et")]


def test_an_xls_sheet_past_the_limits_is_refused_in_the_child():
    # A1 and IV65536 filled: calamine builds the whole 65,536 x 256 grid (in the child, under its
    # memory limit); the sheet is refused with data.safety's message for a sheet too large.
    parsed = parse(FILES / "far-cell.xls")
    assert [i.message for i in parsed.errors] == [texts.SAFETY_SHEET_TOO_LARGE.format(
        file="far-cell.xls", sheet="学习教育", corner="IV65536", rows=65536, cols=256,
        max_rows=safety.MAX_SHEET_ROWS, max_cells=safety.MAX_SHEET_CELLS)]
    assert read_workbook(FILES / "2025-03.xls").ok  # and the next .xls reads


# --- cells that crash calamine 0.9.1 (#12.3) ----------------------------------------------------------

def volunteer_rows(hours_values):
    return register_rows("volunteer", [
        {"date": "2025-03-08", "name": "王明", "activity": f"社区清洁{i}", "hours": h} for i, h in enumerate(hours_values)])


@pytest.mark.parametrize("fmt", ["[h]:mm", "[h]:mm:ss", "[mm]:ss"])
def test_a_huge_number_in_an_elapsed_time_register_cell_is_an_error_naming_it(fmt):
    data = xlsx_bytes({"志愿服务": Sheet(rows=volunteer_rows([2, 13800138000]), formats={"D3": fmt})})
    parsed = read_workbook(data, "t.xlsx")
    where = texts.READER_WHERE.format(file="t.xlsx", sheet="志愿服务", row=3)
    assert [i.message for i in parsed.errors] == [texts.READER_BAD_CELL.format(
        where=where, column="时长", value="13800138000", kind=texts.READER_BAD_CELL_KINDS["duration"])]
    assert "第3行「时长」13800138000 不是有效的时长" in parsed.errors[0].message


def test_a_huge_negative_date_is_an_error_naming_it():
    rows = register_rows("study", [{"date": "2025-03-15", "type": "集中学习", "topic": "学习党章"},
                                   {"date": -3e11, "type": "集中学习", "topic": "学习党章2"}])
    parsed = read_workbook(xlsx_bytes({"学习教育": Sheet(rows=rows, formats={"A3": "yyyy-mm-dd"})}), "t.xlsx")
    assert len(parsed.errors) == 1
    assert "第3行「日期」-300000000000 不是有效的日期或时间" in parsed.errors[0].message


def test_crash_cells_on_other_sheets_skip_them_and_the_registers_import():
    good = volunteer_rows([2, 1.5])
    data = xlsx_bytes({
        "通讯录": Sheet(rows=[["姓名", "电话"], ["王明", 13800138000]], formats={"B2": "[h]:mm"}),
        "志愿服务": good,
        "生日": Sheet(rows=[["姓名", "生日"], ["李华", -3e11]], formats={"B2": "yyyy-mm-dd"}),
    })
    parsed = read_workbook(data, "t.xlsx")
    assert parsed.ok and len(parsed.frames["volunteer"]) == 2
    skipped = {s.sheet: s.skipped for s in parsed.sheets}
    assert "B2 13800138000" in skipped["通讯录"] and "B2 -300000000000" in skipped["生日"]


def test_crash_cells_in_xls():
    parsed = parse(FILES / "crash-cells.xls")
    assert [i.message for i in parsed.errors] == [texts.READER_SHEET_BAD_NUMBER.format(
        file="crash-cells.xls", sheet="志愿服务", row=3)]
    assert {s.sheet: s.skipped for s in parsed.sheets}["通讯录"] == texts.READER_SKIP_BAD_NUMBER.format(row=2)


def test_crash_cells_through_the_cli(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx_bytes({"志愿服务": Sheet(rows=volunteer_rows([2, 13800138000]), formats={"D3": "[h]:mm"})}))
    err = cli(tmp_path, "import", path, expect=1).stderr
    assert "第3行「时长」13800138000 不是有效的时长" in err and "Traceback" not in err


# --- honest results and messages (#12.4) --------------------------------------------------------------

def test_header_only_file_has_no_data_rows(tmp_path):
    path = tmp_path / "空.xlsx"
    path.write_bytes(xlsx_bytes({"学习教育": register_rows("study", []), "志愿服务": register_rows("volunteer", [])}))
    err = cli(tmp_path, "import", path, expect=1).stderr
    assert texts.READER_NO_ROWS.format(file="空.xlsx", sheets="学习教育、志愿服务") in err


def test_a_part_a_few_bytes_past_its_declared_size_is_corrupt_not_a_bomb():
    part = bad_inputs._part("xl/worksheets/sheet1.xml", bad_inputs.sheet_xml(bad_inputs.cell("A1")))
    short = bad_inputs._Part(part.name, part.stream, part.size - 3, part.crc)
    with pytest.raises(RejectedFile) as err:
        safety.check_workbook_bytes(bad_inputs.sheet_bytes(short), "t.xlsx")
    assert err.value.code == "corrupt"


def test_lists_in_messages_are_capped():
    headers = [f"列{i}" for i in range(100)]
    parsed = read_workbook(xlsx_bytes({"学习教育": [headers, list(range(100))]}), "t.xlsx")
    message = parsed.errors[0].message
    assert "列19" in message and "列20、" not in message and texts.LIST_MORE.format(count=100) in message
    assert texts.capped(range(3)) == "0、1、2"
    assert texts.capped(["党" * 70000]) == "党" * texts.ITEM_CAP + "…"


def test_generic_sheet_name_with_other_headers_is_skipped_with_a_warning():
    plan = [["序号", "学习内容", "时间安排", "责任人"], [1, "学习党章", "每月", "王明"]]
    data = xlsx_bytes({"计划": plan, "志愿服务": volunteer_rows([2])})
    parsed = read_workbook(data, "t.xlsx")
    assert parsed.ok and len(parsed.frames["volunteer"]) == 1
    warnings = [i.message for i in parsed.warnings]
    assert any("「计划」" in w and "已跳过" in w for w in warnings), warnings
    # An exact register name keeps strict behaviour: its missing columns are an error.
    strict = read_workbook(xlsx_bytes({"计划目标": plan, "志愿服务": volunteer_rows([2])}), "t.xlsx")
    assert not strict.ok


def test_hours_typed_as_a_time_mean_hours_and_minutes():
    rows = volunteer_rows(["3:00", 0.0625, "1:30"])
    parsed = read_workbook(xlsx_bytes({"志愿服务": Sheet(rows=rows, formats={"D3": "h:mm"})}), "t.xlsx")
    assert parsed.ok, [i.message for i in parsed.issues]
    assert parsed.frames["volunteer"]["hours"].tolist() == [3.0, 1.5, 1.5]
