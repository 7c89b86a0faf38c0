"""总览's states through app.py (AppTest): a year with no uploads, months with no uploads (told apart
from meetings not held), 略滞后 within the settings' tolerance, and the toolbar's choice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data import texts
from data.demo import DEMO_YEAR
from data.importer import import_files
from data.settings import load_settings
from data.store import Store
from metrics import glance
from metrics.compliance import compliance
from metrics.progress import progress_table
from metrics.states import Mark, Status
from ui.messages import md
from tests.helpers import figures
from tests.test_app_board import demo_app, demo_file, started  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
JUNE_30 = dt.date(DEMO_YEAR, 6, 30)


def texts_on(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "success", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def status_line(at) -> str:
    """The status line as plain text (its markdown colours and bold removed)."""
    import re

    line = next(m.value for m in at.markdown if "项指标" in m.value or texts.GLANCE_STATUS_NO_TARGETS in m.value)
    return re.sub(r":\w+\[\*\*(.*?)\*\*\]", r"\1", line).removeprefix("#### ")


def test_a_year_without_uploads_says_so(demo_app):
    at = started(demo_app)
    empty_year = dt.date.today().year
    assert empty_year != DEMO_YEAR
    at.selectbox(key="year").set_value(empty_year).run()
    assert not at.exception
    shown = texts_on(at)
    assert texts.GLANCE_YEAR_NOT_UPLOADED.format(year=empty_year) in shown
    assert not figures(at), "no cards for a year without any register"
    assert Mark.MISSED.label not in shown and not at.dataframe[:-1], "no gaps listed in red"


def test_months_without_uploads_are_not_gaps(app, app_db):
    # January to October of the demo year only; as of 31 December, November and December are empty.
    files = sorted((ROOT / "data" / "samples").glob("*.xlsx"))[:10]
    store = Store(app_db, branch=load_settings().branch)
    assert not import_files(store, files, user="test").rejected
    at = started(app)
    shown = texts_on(at)
    assert "11月、12月台账尚未上传" in shown
    frames = store.frames([DEMO_YEAR - 1, DEMO_YEAR])
    raw = compliance(frames, DEMO_YEAR, dt.date(DEMO_YEAR, 12, 31))
    kept = glance.with_uploads(raw, frames)
    assert any(m.startswith(("11月", "12月")) for m in raw.missing)  # what the plain check would say
    assert not any(m.startswith(("11月", "12月")) for m in kept.missing)
    gaps = [d for d in at.dataframe if "缺失情况" in d.value.columns]
    assert len(gaps) == 1 and gaps[0].value["缺失情况"].tolist() == kept.missing
    assert status_line(at).endswith(texts.GLANCE_COMPLIANCE_PART.format(missing=len(kept.missing)))


def test_slightly_behind_within_the_tolerance(demo_app, app_db, monkeypatch):
    at = started(demo_app)
    at.date_input(key="as_of").set_value(JUNE_30).run()
    assert not at.exception
    frames = Store(app_db).frames([DEMO_YEAR - 1, DEMO_YEAR])
    table = progress_table(frames, DEMO_YEAR, JUNE_30)
    banded = glance.with_tolerance(table, 5)
    slight = banded.loc[banded["status"] == glance.SLIGHTLY_BEHIND, "name"].tolist()
    assert slight, "the demo year has an indicator a few points behind on 30 June"
    result = glance.with_uploads(compliance(frames, DEMO_YEAR, JUNE_30), frames)
    assert status_line(at) == glance.status_line(banded, result)
    badges = [m.value for m in at.markdown if "-badge[" in m.value]  # st.badge, as AppTest sees it
    assert badges.count(f":orange-badge[{Status.SLIGHTLY_BEHIND.label}]") == len(slight)
    # Worst first: the cards begin with 滞后, then 略滞后.
    order = [name for name, _ in figures(at)]
    assert order == glance.worst_first(banded)["name"].tolist()
    assert set(order[:len(slight) + (banded["status"] == glance.BEHIND).sum()]) >= set(slight)

    # With the band off every one of them is 滞后.
    monkeypatch.setenv("DJ_TOLERANCE_PP", "0")
    at.run()
    assert Status.SLIGHTLY_BEHIND.label not in status_line(at)
    assert status_line(at) == glance.status_line(glance.with_tolerance(table, 0), result)


def test_cli_indicators_apply_the_same_band(demo_app, app_db, monkeypatch):
    """``cli.py indicators`` says 略滞后 where 总览 does (the settings' tolerance)."""
    import json
    import os
    import subprocess
    import sys

    from data.indicators import stored_definitions
    from metrics.catalogue import catalogue_with

    store = Store(app_db)  # the demo stores the example indicators: the CLI lists them too
    frames = store.frames([DEMO_YEAR - 1, DEMO_YEAR])
    catalogue = catalogue_with((), stored_definitions(store))
    banded = glance.with_tolerance(progress_table(frames, DEMO_YEAR, JUNE_30, catalogue), load_settings().tolerance_pp)
    run = subprocess.run([sys.executable, "cli.py", "indicators", "--year", str(DEMO_YEAR), "--as-of",
                          JUNE_30.isoformat(), "--json"], cwd=ROOT, env={**os.environ, "DATABASE_URL": app_db},
                         capture_output=True, text=True, timeout=120, check=True)
    records = json.loads(run.stdout)
    assert {r["key"]: r["status"] for r in records} == {k: (str(s) if s else None)
                                                          for k, s in zip(banded["key"], banded["status"])}
    assert Status.SLIGHTLY_BEHIND.value in {r["status"] for r in records}


def test_url_view_seeds_the_toolbar(demo_app):
    at = demo_app()
    at.query_params["year"] = str(DEMO_YEAR)
    at.query_params["as_of"] = JUNE_30.isoformat()
    at.run()
    assert not at.exception
    assert at.selectbox(key="year").value == DEMO_YEAR and at.date_input(key="as_of").value == JUNE_30
    # The address is written back: year always, as_of as it differs from the year's default.
    assert dict(at.query_params) in ({"year": [str(DEMO_YEAR)], "as_of": [JUNE_30.isoformat()]},
                                     {"year": str(DEMO_YEAR), "as_of": JUNE_30.isoformat()})


def test_a_link_to_a_year_without_data_is_honoured(demo_app):
    """?year=<a year before the demo data>&as_of=...: that year, said to have no registers, not
    silently the demo year; the address keeps it."""
    empty = DEMO_YEAR - 1
    at = demo_app()
    at.query_params["year"] = str(empty)
    at.query_params["as_of"] = f"{empty}-03-31"
    at.run()
    assert not at.exception
    assert at.selectbox(key="year").value == empty
    assert at.date_input(key="as_of").value == dt.date(empty, 3, 31)
    assert [w.value for w in at.warning] == [texts.GLANCE_YEAR_NOT_UPLOADED.format(year=empty)]  # no link notice
    assert not figures(at)
    assert at.query_params["year"] in (str(empty), [str(empty)])


@pytest.mark.parametrize("params, notice", [
    ({"year": str(DEMO_YEAR), "as_of": "2025-13-45"}, "as_of"),
    ({"year": str(DEMO_YEAR), "as_of": f"{DEMO_YEAR + 1}-01-31"}, "as_of"),
    ({"year": "20x5"}, "year"),
])
def test_a_link_value_not_used_is_named_with_what_is_shown_instead(demo_app, params, notice):
    at = demo_app()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    year, as_of = at.selectbox(key="year").value, at.date_input(key="as_of").value
    expected = (texts.LINK_AS_OF_INVALID.format(value=md(params["as_of"]), used=as_of.isoformat())
                if notice == "as_of" else texts.LINK_YEAR_INVALID.format(value=md(params["year"]), used=year))
    assert [w.value for w in at.warning] == [expected]
    assert year == DEMO_YEAR
    at.run()  # said once
    assert not at.warning


def test_query_filters_round_trip_through_the_address(demo_app, app_db):
    """A link to 数据查询 with filters opens that query; the page writes its filters back."""
    from data.query import Filters, filter_rows

    at = demo_app()
    for key, value in {"year": str(DEMO_YEAR), "reg": "study", "type": "集中学习,不存在的类型",
                       "from": f"{DEMO_YEAR}-01-01", "to": JUNE_30.isoformat()}.items():
        at.query_params[key] = value
    at.switch_page("pages/query.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="query.register.w").value == "study"
    assert at.multiselect(key="query.study.type.w").value == ["集中学习"]  # the unknown value left out
    rows = filter_rows(Store(app_db).load("study", date_from=dt.date(DEMO_YEAR, 1, 1), date_to=JUNE_30), "study",
                       Filters(date_from=dt.date(DEMO_YEAR, 1, 1), date_to=JUNE_30, types=("集中学习",)))
    assert texts.QUERY_ROWS.format(rows=len(rows)) in [c.value for c in at.caption]
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert params["reg"] == "study" and params["type"] == "集中学习" and params["to"] == JUNE_30.isoformat()
