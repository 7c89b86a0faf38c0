"""Row identity: a register frame's rows as typed, database-ready values with their period and
the hash that identifies a row's content (``row_hash``), which the store compares on import."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from data import schema, texts
from data.errors import DataError

_SEP = "\x1f"  # separates canonical values in the row hash input


def _canon_float(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _spread(codes: np.ndarray, uniques, fn, missing=None) -> list:
    """``fn`` applied once per distinct value (registers repeat dates, types and names a lot), then
    spread over the rows by their ``codes`` from ``pd.factorize``; ``missing`` where a code is -1."""
    return np.array([fn(u) for u in uniques] + [missing], dtype=object)[codes].tolist()


def _float(bits) -> float:
    return float(np.int64(bits).view(np.float64))


def prepare(reg: schema.Register, frame: pd.DataFrame) -> pd.DataFrame:
    """Typed, DB-ready values of ``frame`` plus ``_period``, ``_hash`` and ``_seq`` columns.

    ``_hash`` is the sha256 of the row's canonical values (dates YYYY-MM-DD, whole numbers without
    decimals, floats shortest round-trip without a trailing .0, text as is; "" when empty) joined
    by ``_SEP``, UTF-8: stored hashes depend on it, so it never changes."""
    frame = frame.reset_index(drop=True)
    n = len(frame)
    values: dict[str, list] = {}
    canon: list[list] = []  # UTF-8 bytes per column
    period: list | None = None
    for col in reg.columns:
        s = frame[col.key] if col.key in frame else pd.Series([None] * n, dtype=object)
        if col.kind == schema.Kind.DATE:
            codes, uniques = pd.factorize(pd.to_datetime(s).dt.normalize().to_numpy(dtype="datetime64[ns]"))
            canon.append(_spread(codes, uniques, lambda u: pd.Timestamp(u).strftime("%Y-%m-%d").encode(), b""))
            values[col.key] = _spread(codes, uniques, lambda u: pd.Timestamp(u).date())
            if col.key == reg.period_column and reg.period == schema.Period.MONTH:
                period = _spread(codes, uniques, lambda u: pd.Timestamp(u).strftime("%Y-%m"))
        elif col.kind in (schema.Kind.INT, schema.Kind.YEAR):
            codes, uniques = pd.factorize(pd.to_numeric(s).astype("Int64"))
            canon.append(_spread(codes, uniques, lambda u: str(int(u)).encode(), b""))
            values[col.key] = _spread(codes, uniques, int)
            if col.key == reg.period_column and reg.period == schema.Period.YEAR:
                period = _spread(codes, uniques, lambda u: str(int(u)))
        elif col.kind == schema.Kind.FLOAT:
            # Factorized on the bits: 0.0 and -0.0 stay apart (they hash differently).
            nums = pd.to_numeric(s).astype("float64").to_numpy()
            codes, uniques = pd.factorize(nums.view("int64"))
            codes[np.isnan(nums)] = -1
            canon.append(_spread(codes, uniques, lambda u: _canon_float(_float(u)).encode(), b""))
            values[col.key] = _spread(codes, uniques, _float)
        else:
            codes, uniques = pd.factorize(s.astype("str"))
            canon.append(_spread(codes, uniques, str.encode, b""))
            values[col.key] = _spread(codes, uniques, str)
    out = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in values.items()}, index=frame.index)
    out["_period"] = pd.Series(period if period is not None else [schema.Period.ALL.value] * n, dtype=object)
    seq = frame["_row"] if "_row" in frame else pd.Series(range(1, n + 1))
    out["_seq"] = pd.to_numeric(seq).astype("int64").astype(object)
    lost = out["_period"].isna()
    if lost.any():
        column = reg.column(reg.period_column).label
        raise DataError(texts.STORE_MISSING_PERIOD.format(
            register=reg.name, row=out["_seq"][lost].iloc[0], column=column))
    sha256, sep = hashlib.sha256, _SEP.encode()
    out["_hash"] = pd.Series([sha256(sep.join(t)).hexdigest() for t in zip(*canon)], dtype=object)
    return out
