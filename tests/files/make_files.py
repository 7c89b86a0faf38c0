"""Regenerate the committed .xls test files with LibreOffice (a real .xls writer).

    apt-get install -y -q libreoffice-calc-nogui python3-uno
    .venv/bin/python tests/files/make_files.py

Writes, next to this script:
- 2025-03.xls: data/samples/2025-03.xlsx saved by LibreOffice as Excel 97-2003;
- 2025-03-from-xls.xlsx: that .xls saved again by LibreOffice as .xlsx (".xlsx saved from the .xls");
- 2025-03.ods: the sample saved as OpenDocument (refused by name, data.safety);
- crash-cells.xls: a 志愿服务 register whose 时长 cell holds 13800138000 in a [h]:mm cell and a
  non-register sheet with -3e11 in a date cell (cells that crash calamine 0.9.1), saved as .xls;
- far-cell.xls: cells A1 and IV65536 (the last cell of a .xls sheet): a 65,536 x 256 grid;
- encrypted.xls: a small register saved as .xls with an open password ("dj-test"), through
  LibreOffice's UNO API (system python3 with python3-uno);
- seed-2022.xlsx: the seed summary's year, all five activity registers (tests/seed_year.py: title
  rows, 序号, a merged date, a 合计 row), saved by LibreOffice as .xlsx.

``make_files.py seed`` writes seed-2022.xlsx alone.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

UNO_SCRIPT = r'''
import sys, time, subprocess, uno
from com.sun.star.beans import PropertyValue
def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p
src, dst, password, profile = sys.argv[1:5]
office = subprocess.Popen(["soffice", "--headless", "--norestore", "--invisible", "-env:UserInstallation=file://" + profile,
                           "--accept=pipe,name=djxls;urp;"])
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            ctx = resolver.resolve("uno:pipe,name=djxls;urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.5)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "MS Excel 97"), prop("Password", password)))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    office.wait(timeout=60) if office.poll() is None and not office.kill() else None
'''


def convert(src: Path, fmt: str, out_dir: Path, profile: Path) -> Path:
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                    "--convert-to", fmt, "--outdir", str(out_dir), str(src)], check=True, capture_output=True)
    return out_dir / f"{src.stem}.{fmt.partition(':')[0]}"


def crash_cells_xlsx() -> bytes:
    from tests.xlsx_factory import Sheet, build_workbook, register_rows

    rows = register_rows("volunteer", [
        {"date": "2025-03-08", "name": "王明", "activity": "社区清洁", "hours": 2},
        {"date": "2025-03-15", "name": "李华", "activity": "敬老院探访", "hours": 13800138000}])
    wb = build_workbook({
        "志愿服务": Sheet(rows=rows, formats={"D3": "[h]:mm"}),
        "通讯录": Sheet(rows=[["姓名", "出生日期"], ["王明", -3e11]], formats={"B2": "yyyy-mm-dd"}),
    })
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def far_cell_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "学习教育"
    wb.active["A1"] = "日期"
    wb.active["IV65536"] = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def encrypted_source() -> bytes:
    from tests.xlsx_factory import xlsx_bytes, register_rows

    return xlsx_bytes({"学习教育": register_rows("study", [
        {"date": "2025-03-15", "type": "集中学习", "topic": "学习党章", "expected": 10, "present": 9}])})


def seed_year(tmp: Path, profile: Path) -> None:
    from tests.seed_year import build_xlsx

    source = tmp / "seed-2022.xlsx"
    source.write_bytes(build_xlsx())
    shutil.copy(convert(source, "xlsx", tmp / "seed", profile), HERE / "seed-2022.xlsx")
    print("seed-2022.xlsx", (HERE / "seed-2022.xlsx").stat().st_size, "bytes")


def main() -> None:
    if sys.argv[1:] == ["seed"]:
        with tempfile.TemporaryDirectory() as tmp:
            seed_year(Path(tmp), Path(tmp) / "profile")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        profile = tmp / "profile"
        sample = tmp / "2025-03.xlsx"
        shutil.copy(ROOT / "data" / "samples" / "2025-03.xlsx", sample)
        xls = convert(sample, "xls", tmp / "xls", profile)
        shutil.copy(xls, HERE / "2025-03.xls")
        again = convert(xls, "xlsx", tmp / "again", profile)
        shutil.copy(again, HERE / "2025-03-from-xls.xlsx")
        shutil.copy(convert(sample, "ods", tmp / "ods", profile), HERE / "2025-03.ods")
        crash = tmp / "crash-cells.xlsx"
        crash.write_bytes(crash_cells_xlsx())
        shutil.copy(convert(crash, "xls", tmp / "crash", profile), HERE / "crash-cells.xls")
        far = tmp / "far-cell.xlsx"
        far.write_bytes(far_cell_xlsx())
        shutil.copy(convert(far, "xls", tmp / "far", profile), HERE / "far-cell.xls")
        plain = tmp / "plain.xlsx"
        plain.write_bytes(encrypted_source())
        script = tmp / "encrypt.py"
        script.write_text(UNO_SCRIPT)
        subprocess.run(["/usr/bin/python3", str(script), str(plain), str(HERE / "encrypted.xls"), "dj-test",
                        str(tmp / "uno-profile")], check=True, timeout=300)
        seed_year(tmp, profile)
    for name in ("2025-03.xls", "2025-03-from-xls.xlsx", "2025-03.ods", "crash-cells.xls", "far-cell.xls",
                 "encrypted.xls"):
        print(name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
