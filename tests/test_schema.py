"""The data contract in data.schema: each column kind's pandas dtype and SQL type, and ``coerce``,
checked against what the reader makes of real workbooks and what the store gives back."""

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.demo import SAMPLES_DIR
from data.reader import read_workbook
from data.tables import TABLES


def contract(register: schema.Register) -> dict[str, str]:
    return {c.key: c.kind.dtype for c in register.columns}


def dtypes(frame: pd.DataFrame, register: schema.Register) -> dict[str, str]:
    return {k: str(frame[k].dtype) for k in register.keys}


def test_reader_and_store_frames_follow_the_contract_and_coerce_keeps_them(store):
    """The January sample (every register) as read, as stored and loaded back, and through coerce."""
    parsed = read_workbook(SAMPLES_DIR / "2025-01.xlsx")
    assert not parsed.errors
    assert set(parsed.frames) == set(schema.REGISTER_KEYS)
    store.import_frames(parsed.frames, file_name="2025-01.xlsx", sha256=parsed.sha256, user="组织委员")
    for key, frame in parsed.frames.items():
        reg = schema.REGISTERS[key]
        assert dtypes(frame, reg) == contract(reg), key
        loaded = store.load(key)
        assert dtypes(loaded, reg) == contract(reg), key
        assert len(loaded) == len(frame) > 0
        again = schema.coerce(frame, reg)
        pd.testing.assert_frame_equal(again[reg.keys], frame[reg.keys].astype(contract(reg)))
        assert list(again.columns[:len(reg.keys)]) == reg.keys
        assert "_row" in again  # columns outside the register are kept


def test_coerce_fills_absent_columns_and_types_raw_cells():
    reg = schema.STUDY
    raw = pd.DataFrame({"date": ["2023-03-05", None], "expected": [12, None], "hours": ["1.5", None],
                        "topic": ["学习党章", None]}, dtype=object)
    typed = schema.coerce(raw, reg)
    assert dtypes(typed, reg) == contract(reg)
    assert typed["date"].tolist()[0] == pd.Timestamp(2023, 3, 5) and pd.isna(typed["date"][1])
    assert typed["expected"].tolist() == [12, pd.NA]
    assert typed["hours"][0] == 1.5 and pd.isna(typed["hours"][1])
    assert typed["topic"][0] == "学习党章" and pd.isna(typed["topic"][1])
    assert typed["speaker"].isna().all()  # absent from the frame: empty


def test_tables_use_each_kinds_sql_type(store):
    inspector = sa.inspect(store.engine)
    for key, reg in schema.REGISTERS.items():
        stored = {c["name"]: c["type"] for c in inspector.get_columns(TABLES[key].name)}
        for col in reg.columns:
            assert isinstance(stored[col.key], col.kind.sql_type), (key, col.key, stored[col.key])
