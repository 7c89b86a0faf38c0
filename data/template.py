"""The blank register template (``python cli.py template OUT.xlsx``), built from the schema.

One sheet per register (canonical sheet name, canonical headers in row 1, frozen, styled, a
dropdown on every column with fixed values, date format on date columns) plus a 填表说明
sheet that explains every column. Filling it in and importing it round-trips.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from data import texts
from data.schema import DATE, ENUM, REGISTERS, Column, Register

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="C00000")
_GUIDE_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_DATE_FORMAT = "yyyy-mm-dd"
_LAST_ROW = 1_048_576
# Wide columns for free text; the rest are sized to their header.
_WIDE = {"topic": 36, "attendees": 40, "object": 32, "activity": 28, "note": 24, "inspectors": 24}


def _dropdown(col: Column, source: str | None = None) -> DataValidation:
    """A list validation: the column's values inline, or ``source`` (a range holding the values and
    the branch's own words for them, which may contain commas and exceed Excel's 255-character
    inline list)."""
    return DataValidation(
        type="list", formula1=source or '"' + ",".join(col.values) + '"', allow_blank=True,
        showDropDown=False,  # False means: show the in-cell arrow
        showErrorMessage=True, errorTitle=texts.TEMPLATE_DROPDOWN_ERROR_TITLE, error=col.expected(),
        showInputMessage=True, promptTitle=texts.TEMPLATE_DROPDOWN_TITLE, prompt=col.expected())


def _register_sheet(book: Workbook, register: Register, aliases=None) -> None:
    sheet = book.create_sheet(register.name)
    for j, col in enumerate(register.columns, start=1):
        letter = get_column_letter(j)
        cell = sheet.cell(row=1, column=j, value=col.label)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        required = texts.TEMPLATE_REQUIRED if col.required else texts.TEMPLATE_OPTIONAL
        cell.comment = Comment(f"{required}；{col.expected()}", texts.TEMPLATE_COMMENT_AUTHOR)
        dimension = sheet.column_dimensions[letter]
        dimension.width = _WIDE.get(col.key, max(12, texts.display_width(col.label) + 4))
        if col.kind == DATE:
            dimension.number_format = _DATE_FORMAT
        if col.kind == ENUM:
            own = aliases.dropdown(register.key, col.key) if aliases is not None else []
            validation = _dropdown(col, _list_range(book, [*col.values, *own]) if own else None)
            validation.add(f"{letter}2:{letter}{_LAST_ROW}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"


def _list_range(book: Workbook, values: list[str]) -> str:
    """Write ``values`` into a new column of the hidden list sheet; the absolute range holding them."""
    if texts.TEMPLATE_LIST_SHEET in book.sheetnames:
        sheet = book[texts.TEMPLATE_LIST_SHEET]
    else:
        sheet = book.create_sheet(texts.TEMPLATE_LIST_SHEET)
        sheet.sheet_state = "hidden"
    j = sheet.max_column + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for i, value in enumerate(values, start=1):
        sheet.cell(row=i, column=j).value = value
        sheet.cell(row=i, column=j).data_type = "s"  # always text, never a formula
    letter = get_column_letter(j)
    return f"'{texts.TEMPLATE_LIST_SHEET}'!${letter}$1:${letter}${len(values)}"


def _guide_sheet(book: Workbook) -> None:
    sheet = book.create_sheet(texts.TEMPLATE_GUIDE_SHEET)
    sheet.append([texts.TEMPLATE_GUIDE_TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in texts.TEMPLATE_GUIDE_INTRO:
        sheet.append([line])
    for register in REGISTERS.values():
        sheet.append([])
        sheet.append([texts.TEMPLATE_GUIDE_SHEET_LINE.format(
            sheet=register.name, description=register.description,
            aliases="、".join(register.sheet_aliases))])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append(list(texts.TEMPLATE_GUIDE_HEADERS))
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = Font(bold=True), _GUIDE_HEADER_FILL
        for col in register.columns:
            sheet.append([register.name, col.label,
                          texts.TEMPLATE_REQUIRED if col.required else texts.TEMPLATE_OPTIONAL,
                          col.expected(), "、".join(col.aliases), col.help])
    for letter, width in zip("ABCDEF", (12, 12, 10, 48, 36, 30)):
        sheet.column_dimensions[letter].width = width


def build_template(aliases=None) -> bytes:
    """The blank template workbook as .xlsx bytes. ``aliases``: the branch's own words
    (``data.aliases.Vocabulary``); each fixed-choice column's dropdown then lists them too."""
    book = Workbook()
    book.remove(book.active)
    for register in REGISTERS.values():
        _register_sheet(book, register, aliases)
    _guide_sheet(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
