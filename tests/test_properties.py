"""Properties (hypothesis) of the import pipeline, on real workbooks and real SQLite files.

1. Importing a file twice equals importing it once (the second import changes nothing at all).
2. Importing A, then B for the same month, then undoing B equals importing A alone.
3. The reader, fed arbitrary bytes, XML parts of a sound workbook mutated at random, or a sheet
   of arbitrary cell values under a register's headers, raises nothing but ``RejectedFile``; and
   what it accepts, the store stores.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from data import schema
from data.errors import RejectedFile
from data.importer import import_files, import_parsed
from data.reader import read_workbook
from data.store import Store
from data.tables import METADATA, TABLES
from tests.xlsx_factory import register_rows, write_xlsx, xlsx_bytes

BRANCH = "性质测试支部"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies ------------------------------------------------------------------------------------

# Text a register cell may hold: CJK, Latin, digits, spaces (full-width too) and punctuation.
_ALPHABET = st.sampled_from(list("党支部学习教育研讨会议主题社区服务植树清扫") + list("abcXYZ019") + list(" 　、，,.-()（）:'\""))
words = st.text(_ALPHABET, min_size=1, max_size=12).filter(lambda s: s.strip() and s.strip()[0] not in "=+-@")


def dates_in(first: date, last: date):
    return st.dates(min_value=first, max_value=last)


@st.composite
def study_row(draw, first: date = date(2023, 1, 1), last: date = date(2023, 12, 31)) -> dict:
    expected = draw(st.none() | st.integers(0, 60))
    present = draw(st.none() | st.integers(0, expected if expected is not None else 60))
    return {"date": draw(dates_in(first, last)), "type": draw(st.sampled_from(schema.STUDY_TYPES)),
            "topic": draw(words), "speaker": draw(st.none() | words), "expected": expected, "present": present,
            "hours": draw(st.none() | st.integers(0, 48).map(lambda h: h / 2))}


@st.composite
def volunteer_row(draw, first: date = date(2023, 1, 1), last: date = date(2023, 12, 31)) -> dict:
    return {"date": draw(dates_in(first, last)), "name": draw(words), "activity": draw(words),
            "hours": draw(st.integers(1, 48).map(lambda h: h / 2)),
            "category": draw(st.none() | st.sampled_from(schema.VOLUNTEER.column("category").values))}


def with_duplicates(rows):
    """A list of rows, some of them repeated (registers hold identical rows legitimately)."""
    return st.lists(rows, min_size=1, max_size=15).flatmap(
        lambda base: st.lists(st.sampled_from(base), max_size=4).map(lambda extra: base + extra))


STUDY_KEYS = [c.key for c in schema.STUDY.columns if c.key in ("date", "type", "topic", "speaker", "expected",
                                                                  "present", "hours")]
VOLUNTEER_KEYS = [c.key for c in schema.VOLUNTEER.columns if c.key in ("date", "name", "activity", "hours",
                                                                          "category")]


def write_registers(path: Path, study: list[dict], volunteer: list[dict] | None = None) -> Path:
    sheets = {schema.STUDY.name: register_rows("study", study, keys=STUDY_KEYS)}
    if volunteer:
        sheets[schema.VOLUNTEER.name] = register_rows("volunteer", volunteer, keys=VOLUNTEER_KEYS)
    return write_xlsx(path, sheets)


@contextmanager
def fresh_store():
    with tempfile.TemporaryDirectory(prefix="dj-prop-") as tmp:
        store = Store(f"sqlite:///{tmp}/p.db", branch=BRANCH)
        try:
            yield store, Path(tmp)
        finally:
            store.engine.dispose()


def snapshot(store: Store, tables=None) -> dict:
    """Every row of every table (or of ``tables``), in primary-key order."""
    with store.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
                for t in (tables or METADATA.sorted_tables)}


# --- 1. idempotent ------------------------------------------------------------------------------------


@SETTINGS
@given(study=with_duplicates(study_row()), volunteer=st.none() | with_duplicates(volunteer_row()))
def test_importing_a_file_twice_equals_importing_it_once(study, volunteer):
    with fresh_store() as (store, tmp):
        path = write_registers(tmp / "台账.xlsx", study, volunteer)
        first = import_files(store, [path], user="组织委员")
        assert not first.rejected, [i.message for i in first.errors]
        once = snapshot(store)
        again = import_files(store, [path], user="组织委员")
        assert again.nothing_to_do and all(r.batch_id is None for r in again.results)
        assert snapshot(store) == once


# --- 2. undo -------------------------------------------------------------------------------------------

MAY = (date(2023, 5, 1), date(2023, 5, 31))


@SETTINGS
@given(a=with_duplicates(study_row(*MAY)), b=with_duplicates(study_row(*MAY)), june=st.lists(study_row(
    date(2023, 6, 1), date(2023, 6, 30)), max_size=3))
def test_a_then_b_for_the_same_month_then_undo_equals_a_alone(a, b, june):
    with fresh_store() as (store, tmp):
        if june:  # another month stored before: untouched throughout
            assert not import_files(store, [write_registers(tmp / "6月.xlsx", june)], user="u").rejected
        outcome_a = import_files(store, [write_registers(tmp / "甲.xlsx", a)], user="u")
        assert not outcome_a.rejected
        registers = snapshot(store, TABLES.values())
        batches = store.batches()
        outcome_b = import_files(store, [write_registers(tmp / "乙.xlsx", b)], user="u")
        assert not outcome_b.rejected
        result_b = outcome_b.results[0]
        if not result_b.nothing_to_do:  # (B holding exactly A's rows stores nothing: nothing to undo)
            store.undo(result_b.batch_id, user="u")
        assert snapshot(store, TABLES.values()) == registers
        after = store.batches()
        assert after[after["status"] == "active"].reset_index(drop=True).equals(batches)


# --- 3. the reader refuses, never breaks ----------------------------------------------------------------


def read_or_refuse(data: bytes):
    """The parsed workbook, or None when refused with the project's own error."""
    try:
        return read_workbook(data, "fuzz.xlsx")
    except RejectedFile as err:
        assert err.message and err.code
        return None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_are_refused(data):
    assert read_or_refuse(data) is None


_SOUND = xlsx_bytes({schema.STUDY.name: register_rows("study", [
    {"date": date(2023, 3, 15), "type": schema.STUDY_TYPES[0], "topic": "学习党章", "expected": 10, "present": 9},
    {"date": "2023年3月20日", "type": next(iter(schema.STUDY.column("type").value_aliases)), "topic": "讲党课",
     "hours": "2小时"}], title="2023年学习台账")})
with zipfile.ZipFile(io.BytesIO(_SOUND)) as _zf:
    _PARTS = {info.filename: _zf.read(info) for info in _zf.infolist()}
_XML_PARTS = sorted(name for name in _PARTS if name.endswith((".xml", ".rels")))


@st.composite
def mutated_workbook(draw) -> bytes:
    """The sound workbook with one XML part changed at random (bytes replaced, inserted, deleted
    or the part cut short), zipped again correctly: the bytes reach the parsers."""
    name = draw(st.sampled_from(_XML_PARTS))
    part = bytearray(_PARTS[name])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(part)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
        chunk = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
            [b"<", b">", b'"', b"&", b"<c r=\"A1\">", b"</row>", b"t=\"s\"", b"<v>9999999</v>", b"r=\"XFD1\"",
             b"\xff\xfe", b"\x00", "表".encode()]))
        if action == "replace":
            part[at:at + len(chunk)] = chunk
        elif action == "insert":
            part[at:at] = chunk
        elif action == "delete":
            del part[at:at + len(chunk)]
        else:
            del part[at:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in _PARTS.items():
            zf.writestr(n, bytes(part) if n == name else data)
    return out.getvalue()


@SETTINGS
@given(mutated_workbook())
def test_mutated_workbooks_are_read_or_refused(data):
    parsed = read_or_refuse(data)
    if parsed is not None and parsed.ok:
        with fresh_store() as (store, _):
            import_parsed(store, [parsed], user="u")


_CELL_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20).map(
    lambda s: ILLEGAL_CHARACTERS_RE.sub("", s))
cell_values = st.one_of(
    st.none(), _CELL_TEXT, st.booleans(), st.integers(-10**15, 10**15),
    st.floats(-1e15, 1e15), st.dates(date(1900, 3, 1), date(2262, 4, 10)),
    st.datetimes(datetime(1900, 3, 1), datetime(2262, 4, 10)), st.times(),
    st.sampled_from(["合计", "填表人：张三", "2023.3.15", "2023年3月15日", "45000", "2.5小时", "=1+1", "=A1",
                     "#N/A", "　", "TRUE", "1e308", "-0", "三十"]),
)


@SETTINGS
@given(register=st.sampled_from(schema.REGISTER_KEYS), data=st.data())
def test_arbitrary_cell_values_are_read_or_refused(register, data):
    reg = schema.REGISTERS[register]
    headers = [c.label for c in reg.columns] + data.draw(st.lists(_CELL_TEXT, max_size=2))
    rows = data.draw(st.lists(st.lists(cell_values, min_size=len(headers), max_size=len(headers)), max_size=8))
    title = data.draw(st.none() | _CELL_TEXT)
    sheet = ([[title]] if title else []) + [headers] + rows
    parsed = read_or_refuse(xlsx_bytes({reg.name: sheet}))
    assume(parsed is not None)
    if parsed.ok:  # what the reader accepts, the store takes
        with fresh_store() as (store, _):
            outcome = import_parsed(store, [parsed], user="u")
            assert not outcome.rejected


# Found by the property above, in data/validate.py (not this file's to fix; reported to the lead):
# a date past pandas' nanosecond range (after 2262-04-11) and a whole number past int64 make the
# reader raise instead of reporting the cell. The strategies above stay inside those ranges until
# it is fixed; these cases then pass and ``strict`` asks for the marks to be removed.
@pytest.mark.parametrize("register, column, value", [
    ("study", "date", date(2263, 1, 1)),
    ("study", "date", "9999年1月1日"),
    ("inspections", "issues", 9.3e18),
])
def test_values_beyond_pandas_ranges_are_reported_not_raised(register, column, value):
    reg = schema.REGISTERS[register]
    row = {"date": date(2023, 3, 15), "type": reg.column("type").values[0], "topic": "学习", "object": "某公司",
           "category": schema.OBJECT_CATEGORIES[0], column: value}
    parsed = read_workbook(xlsx_bytes({reg.name: register_rows(register, [row])}), "f.xlsx")
    assert [i.column for i in parsed.errors] == [reg.column(column).label]
