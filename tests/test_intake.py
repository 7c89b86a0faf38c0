"""Real-world intake (issue #12 points 1-4): workbooks from WPS 金山文档 / SharePoint, .xls files,
cells that crash the parser, and honest results and messages."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from data import safety
from data.errors import RejectedFile
from data.reader import read_workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "2025-03.xlsx"
FILES = Path(__file__).resolve().parent / "files"

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


def rows_of(parsed) -> dict:
    return {k: f.drop(columns=["_sheet"], errors="ignore").to_dict("records") for k, f in parsed.frames.items()}


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
