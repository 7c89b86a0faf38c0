"""Issue 15, done when: a workbook holding all five activity registers fills every countable item of
the seed summary's structure (../shared/seed/2022-branch-work-summary.txt), and every figure is
recounted with plain pandas.

The workbook is tests/files/seed-2022.xlsx (tests/seed_year.py, saved by LibreOffice through
tests/files/make_files.py): title rows, 序号, a merged date, a full-width space, a 合计 row and a
填表人 line. It goes through the real command line (``import``, ``report``, ``indicators --json``)
into a real SQLite database, with the branch's own indicators of settings.example.toml declared in
the settings file, or saved on the 指标设置 page. The expected numbers are counted here from the
workbook with pandas alone: read the sheet, drop what is not a row, filter, count."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib

import docx
import pandas as pd
import pytest

from data import texts
from data.demo import EXAMPLE_SETTINGS, example_definitions
from data.indicators import save_definitions
from data.store import Store
from tests.helpers import ROOT
from tests.seed_year import BRANCH, YEAR

WORKBOOK = ROOT / "tests" / "files" / "seed-2022.xlsx"
TIMEOUT_S = 300  # a hang guard only


# --- the recount: plain pandas on the workbook ------------------------------------------------------


def sheet(name: str) -> pd.DataFrame:
    """A register sheet as pandas reads it: header on row 2 (a title above), the rows whose 序号 is
    a number (not the 合计 row or the 填表人 line), a date merged down filled into its rows, text trimmed
    (full-width spaces included)."""
    df = pd.read_excel(WORKBOOK, sheet_name=name, header=1, engine="openpyxl")  # not the app's reader (calamine)
    df = df.loc[pd.to_numeric(df["序号"], errors="coerce").notna()].copy()
    df["日期"] = pd.to_datetime(df["日期"]).ffill()
    for column in df.columns:
        if pd.api.types.is_string_dtype(df[column]) or df[column].dtype == object:
            df[column] = df[column].map(lambda v: v.strip() if isinstance(v, str) else v)
    return df.loc[df["日期"].dt.year == YEAR]


def number(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def recount() -> dict[str, str]:
    """Each seed item: the phrase the draft must contain, with the number counted here."""
    study, insp = sheet("学习教育"), sheet("检查核查")
    vol, members, work = sheet("志愿服务"), sheet("党员发展"), sheet("工作记录")
    roster = pd.read_excel(WORKBOOK, sheet_name="党员名册", engine="openpyxl")

    def kind(k: str) -> int:
        return int((study["类型"] == k).sum())

    def work_sum(*categories: str) -> int:
        return int(work.loc[work["类别"].isin(categories), "数量"].fillna(1).sum())

    def work_people(category: str) -> int:
        return work.loc[work["类别"] == category, "对象"].nunique()

    # 学时 per member: each row's 学时 to each name in its 参加人员.
    hours = dict.fromkeys(roster["姓名"], 0.0)
    for names, h in zip(study["参加人员"], study["学时"]):
        if isinstance(names, str) and pd.notna(h):
            for name in set(names.split("、")):
                if name in hours:
                    hours[name] += h
    met = sum(h >= 32 for h in hours.values())
    both = study.dropna(subset=["应到人数", "实到人数"])
    event = members["事项"].replace({"发展预备党员": "接收预备党员", "转正": "预备党员转正", "转入": "组织关系转入",
                                   "转出": "组织关系转出"})
    enforce = insp.loc[insp["类型"] == "统计执法检查"]
    states = insp["整改状态"].loc[insp["整改状态"].isin(["已整改", "整改中", "未整改"])]
    integrity = study.loc[study["类型"].isin(["廉政教育", "警示教育"])]
    site = integrity["主题"].str.contains("现场|基地")
    film = integrity["主题"].str.contains("教育片|警示片")
    return {
        "集中学习、研讨交流、讲党课": f"开展集中学习{kind('集中学习')}次，研讨交流{kind('研讨交流')}次，"
                           f"领导干部讲党课{kind('讲党课')}次",
        "学时": f"{YEAR}年{len(hours)}名党员人均集中学习{number(sum(hours.values()) / len(hours))}学时，"
              f"{met}名达到全年不少于32学时的要求，{len(hours) - met}名未达到",
        "执法检查企业、入库项目": f"检查企业{enforce.loc[enforce['对象类别'] == '企业', '对象名称'].nunique()}家，"
                       f"入库项目{enforce.loc[enforce['对象类别'] == '入库项目', '对象名称'].nunique()}个",
        "三会一课、组织生活会": f"召开支部党员大会{kind('支部党员大会')}次，支委会{kind('支委会')}次，党小组会{kind('党小组会')}次，"
                       f"开展主题党日{kind('主题党日')}次，召开组织生活会{kind('组织生活会')}次，"
                       f"开展民主评议党员{kind('民主评议')}次",
        "出勤率": f"平均出勤率为{percent(both['实到人数'].sum() / both['应到人数'].sum())}",
        "发展、转正、组织关系转接": f"发展预备党员{members.loc[event == '接收预备党员', '姓名'].nunique()}名，"
                         f"预备党员转正{members.loc[event == '预备党员转正', '姓名'].nunique()}名，"
                         f"办理组织关系转接{int(event.isin(['组织关系转入', '组织关系转出']).sum())}名",
        "承诺书": f"签订承诺书{work_sum('承诺书')}份",
        "选调生、驻村工作队员": f"到{work_people('走访选调生')}名选调生、{work_people('走访驻村工作队员')}名驻村工作队员",
        "各类统计信息": f"各类统计信息{work_sum('统计专报', '课题', '分析', '统计信息')}篇",
        "统计专报及签批": f"报送统计专报{work_sum('统计专报')}篇，其中获领导签批{work_sum('专报签批')}篇",
        "调研批次": f"开展调研{insp.loc[insp['类型'] == '调研', '日期'].nunique()}批次",
        "发现问题、整改率": f"发现问题{int(insp['发现问题数'].sum())}个，"
                     f"问题整改率为{percent((states == '已整改').sum() / len(states))}",
        "数据质量核查": f"核查企业{insp.loc[insp['类型'] == '数据质量核查', '对象名称'].nunique()}家",
        "帮扶专题会议": f"召开专题会议{work_sum('专题会议')}次",
        "下沉社区": f"组织{vol.loc[vol['活动名称'].str.contains('下沉'), '姓名'].nunique()}名干部下沉社区",
        "志愿服务": f"开展志愿服务活动{len(vol[['日期', '活动名称']].drop_duplicates())}场次，"
                f"参与党员干部{vol['姓名'].nunique()}人，累计服务{len(vol)}人次，"
                f"服务时长{number(vol['时长（小时）'].sum())}小时",
        "廉政教育、现场学习、观看教育片": f"开展廉政教育和警示教育{len(integrity)}次，其中现场学习{int(site.sum())}场次，"
                            f"集中观看廉政教育片{int(film.sum())}场次",
        "意识形态": f"研究意识形态工作{work_sum('研究意识形态工作')}次，上报意识形态研判{work_sum('意识形态研判')}次",
        "网民咨询": f"答复网民咨询{work_sum('网民咨询')}批次",
    }


def test_the_workbook_is_the_seed_year():
    """The seed's unmasked numbers, counted with pandas: 46 篇统计专报 (5 签批), 4 次专题会议, 20 名干部
    下沉社区, 调研 10 批次."""
    phrases = recount()
    assert phrases["统计专报及签批"] == "报送统计专报46篇，其中获领导签批5篇"
    assert phrases["帮扶专题会议"] == "召开专题会议4次"
    assert phrases["下沉社区"] == "组织20名干部下沉社区"
    assert phrases["调研批次"] == "开展调研10批次"
    # Every sheet of the workbook came through LibreOffice (the writer the fixture claims).
    import zipfile

    with zipfile.ZipFile(WORKBOOK) as z:
        assert "LibreOffice" in z.read("docProps/app.xml").decode()


# --- through the command line -------------------------------------------------------------------------


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    return proc


def document_text(path) -> str:
    doc = docx.Document(path)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.fixture(scope="module", params=["settings", "page"])
def drafted(request, tmp_path_factory):
    """The workbook imported by ``cli.py import``, the branch's own indicators declared in the settings
    file (DJ_SETTINGS) or saved as on the 指标设置 page; then ``report`` and ``indicators --json``."""
    tmp = tmp_path_factory.mktemp(f"seed-{request.param}")
    url = f"sqlite:///{tmp}/seed.db"
    env = {**os.environ, "DATABASE_URL": url, "DJ_BRANCH": BRANCH, "PYTHONPATH": str(ROOT)}
    env.pop("DJ_SETTINGS", None)
    if request.param == "settings":
        env["DJ_SETTINGS"] = str(EXAMPLE_SETTINGS)
    else:
        empty = tmp / "settings.toml"
        empty.write_text("")
        env["DJ_SETTINGS"] = str(empty)
        save_definitions(Store(url, branch=BRANCH), example_definitions(), user="组织委员")
    imported = run(env, "import", str(WORKBOOK), "--user", "组织委员")
    report = run(env, "report", "--year", str(YEAR), "--out", str(tmp / "draft.docx"))
    indicators = json.loads(run(env, "indicators", "--year", str(YEAR), "--json").stdout)
    return {"text": document_text(tmp / "draft.docx"), "stdout": report.stdout, "imported": imported.stdout,
            "indicators": {r["key"]: r for r in indicators}}


def test_every_item_of_the_seed_is_filled(drafted):
    text = drafted["text"]
    assert "【待补充" not in text and "【暂无数据" not in text and "【未知占位符" not in text
    assert texts.CLI_REPORT_PENDING.split("：")[0] not in drafted["stdout"]


@pytest.mark.parametrize("item", list(recount()))
def test_each_figure_equals_the_pandas_recount(drafted, item):
    assert recount()[item] in drafted["text"]


def test_the_branchs_own_indicators_through_indicators_json(drafted):
    """``indicators --json`` lists every example indicator with the value the draft quotes; a target
    set by name (统计专报篇数) or by key (work.inquiries) has its completion."""
    phrases = recount()
    got = drafted["indicators"]
    for definition in example_definitions():
        assert got[definition["key"]]["name"] == definition["name"]
        assert got[definition["key"]]["unit"] == definition["unit"]
    reports, signed = map(int, re.findall(r"\d+", phrases["统计专报及签批"]))
    assert (got["work.reports"]["value"], got["work.reports_signed"]["value"]) == (reports, signed)
    inquiries = int(re.search(r"\d+", phrases["网民咨询"]).group())
    assert got["work.inquiries"]["value"] == inquiries and got["work.inquiries"]["target"] == 24
    assert got["work.reports"]["completion"] == pytest.approx(reports / 40)
    community = int(re.search(r"\d+", phrases["下沉社区"]).group())
    assert got["volunteer.community"]["value"] == community and got["volunteer.community"]["status"] == "done"


# --- the example is the README's ----------------------------------------------------------------------


def test_the_readme_ships_the_example_indicators():
    """The README's settings example and settings.example.toml declare the same indicators, and
    every outline item that needs the branch's own indicator is among them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [tomllib.loads(b) for b in re.findall(r"```toml\n(.*?)```", readme, re.S)]
    shipped = next(b["indicators"] for b in blocks if len(b.get("indicators", [])) > 2)
    assert shipped == example_definitions()
    keys = {d["key"] for d in shipped}
    outline = {k for s in texts.REPORT_OUTLINE.values() for t in s for k in re.findall(r"\{([\w.]+)\}", t)}
    assert {k for k in texts.REPORT_PENDING if not k.startswith("members.")} <= keys
    assert {k for k in texts.REPORT_PENDING} <= outline
