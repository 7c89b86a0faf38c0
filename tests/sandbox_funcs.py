"""Functions tests run in a sandboxed child (data.sandbox pickles them by reference, so they live
in a module the child can import by this name)."""

from __future__ import annotations

import ctypes
import io
import os
import time

import openpyxl

from data.errors import RejectedFile


def add(a, b):
    return {"sum": a + b, "pid": os.getpid()}


def refuse(message):
    raise RejectedFile(message, code="password")


def allocate(n):
    return len(bytearray(n))


def spin():
    while True:
        pass


def sleep(seconds):
    time.sleep(seconds)
    return "woke"


def big_result(n):
    return b"x" * n


def abort():
    os.abort()


def segfault():
    ctypes.string_at(0)


def calamine_panic():
    """pyo3's PanicException (a BaseException) from a real workbook: -3e11 in a date cell."""
    from python_calamine import CalamineWorkbook

    wb = openpyxl.Workbook()
    wb.active["A1"] = -3e11
    wb.active["A1"].number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())).get_sheet_by_index(0).to_python()


def system_exit():
    raise SystemExit(3)


def write_file(path):
    with open(path, "w") as f:
        f.write("x" * 10)
    return "written"


def hostile_pickle():
    """A result whose unpickling would call a function (as a compromised child could send)."""
    class Payload:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    return Payload()


def returns_function():
    return os.system
