"""Made-up but realistic register data for the benchmark: workbooks (XlsxWriter) and typed frames.

``write_volunteer_workbook(path, rows)`` writes one 志愿服务 register of ``rows`` rows shaped like a
real one: a merged title row, the header with an alias (时长（小时）), Excel dates mostly but also
dates typed as 2024.3.15 / 2024年3月15日 text, hours sometimes with a unit (2.5小时), a full-width
space here and there, a blank row and a 填表人 line under the table. Every row is valid.

``activity_frames(rows)`` builds typed frames (the schema's DataFrame contract) for all the
activity registers together with targets and a roster, for the metrics and page benchmarks.
Everything is deterministic (seeded); every name is a random combination of characters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from data import schema, texts
from data.demo import FIRMS, GIVEN, GROUPS, INDUSTRIES, SURNAMES, TARGETS_PLAN

YEAR = 2024
SEED = 2024
PEOPLE = 3_000  # volunteers of a city's branches together
ACTIVITIES = ("社区卫生整治", "文明交通劝导", "义务植树", "结对帮扶走访", "创城入户宣传", "防汛隐患排查",
              "“双报到”社区环境整治", "学雷锋志愿服务", "关爱空巢老人", "统计法治宣传进社区")
PLACES = ("惠民街社区", "迎宾路路口", "红星村", "贺兰山绿化责任区", "滨河社区", "金湖社区", "西园街道", "开发区管委会")
HOURS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)


def people(count: int, rng: np.random.Generator) -> list[str]:
    """``count`` distinct made-up names (surname + one or two given-name characters)."""
    out: dict[str, None] = {}
    while len(out) < count:
        given = "".join(rng.choice(list(GIVEN), size=rng.integers(1, 3)))
        out[rng.choice(list(SURNAMES)) + given] = None
    return list(out)


def _days(rng: np.random.Generator, rows: int, year: int) -> np.ndarray:
    """Sorted service dates over the year (as register rows come, by date)."""
    start = np.datetime64(f"{year}-01-01")
    return np.sort(start + rng.integers(0, 365 if year % 4 else 366, size=rows).astype("timedelta64[D]"))


def volunteer_rows(rows: int, seed: int = SEED, year: int = YEAR) -> dict[str, np.ndarray]:
    """Column key -> raw values of a 志愿服务 register (dates as numpy datetime64)."""
    rng = np.random.default_rng(seed)
    names = np.array(people(PEOPLE, rng), dtype=object)
    cats = list(schema.VOLUNTEER_CATEGORIES)
    return {
        "date": _days(rng, rows, year),
        "name": names[rng.integers(0, len(names), size=rows)],
        "activity": np.array(ACTIVITIES, dtype=object)[rng.integers(0, len(ACTIVITIES), size=rows)],
        "category": np.array(cats, dtype=object)[rng.integers(0, len(cats), size=rows)],
        "place": np.array(PLACES, dtype=object)[rng.integers(0, len(PLACES), size=rows)],
        "hours": np.array(HOURS)[rng.integers(0, len(HOURS), size=rows)],
        "method": np.where(rng.random(rows) < 0.1, "补录", "签到").astype(object),
        "note": np.where(rng.random(rows) < 0.03, "因公出差　补录", None).astype(object),
    }


def write_volunteer_workbook(path: Path, rows: int, seed: int = SEED, year: int = YEAR) -> Path:
    """A 志愿服务 workbook of ``rows`` data rows (8 columns), messy like a real one, all valid."""
    data = volunteer_rows(rows, seed, year)
    rng = np.random.default_rng(seed + 1)
    reg = schema.VOLUNTEER
    headers = [c.aliases[0] if c.key == "hours" else c.label for c in reg.columns]
    headers[1] = headers[1] + "　"  # a trailing full-width space
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(reg.name)
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    bold = book.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, len(headers) - 1, f"{year}年市直机关党员志愿服务台账", title)
    sheet.write_row(1, 0, headers, bold)
    text_dates = rng.random(rows).tolist()
    unit_hours = (rng.random(rows) < 0.05).tolist()
    days = data["date"].astype("datetime64[D]").tolist()  # datetime.date
    columns = zip(days, text_dates, data["name"].tolist(), data["activity"].tolist(), data["category"].tolist(),
                  data["place"].tolist(), data["hours"].tolist(), unit_hours, data["method"].tolist(),
                  data["note"].tolist())
    r = 2
    for when, shape, name, activity, category, place, hours, unit, method, note in columns:
        if shape < 0.04:
            sheet.write_string(r, 0, f"{when.year}.{when.month}.{when.day}")
        elif shape < 0.08:
            sheet.write_string(r, 0, texts.long_date(when))
        else:
            sheet.write_datetime(r, 0, when, day)
        sheet.write_row(r, 1, (name, activity, category, place))
        if unit:
            sheet.write_string(r, 5, f"{hours:g}小时")
        else:
            sheet.write_number(r, 5, hours)
        sheet.write_string(r, 6, method)
        if note is not None:
            sheet.write_string(r, 7, note)
        r += 1
    sheet.write_string(r + 1, 0, "填表人：组织委员　　审核人：支部书记")
    book.close()
    return path


# --- typed frames for the metrics and page benchmarks ----------------------------------------------

# Share of activity rows per register in a stored database.
SHARES = {"study": 0.1, "inspections": 0.3, "volunteer": 0.6}


def _typed(register: schema.Register, columns: dict) -> pd.DataFrame:
    return schema.coerce(pd.DataFrame(columns, columns=register.keys), register)


def activity_frames(rows: int, seed: int = SEED, years: tuple[int, ...] = (YEAR - 1, YEAR)) -> dict[str, pd.DataFrame]:
    """Typed frames of ``rows`` activity rows in all (study, inspections, volunteer; split by
    ``SHARES``, spread over ``years``), plus the plan targets of each year and a roster."""
    rng = np.random.default_rng(seed)
    names = people(PEOPLE, rng)
    name_arr = np.array(names, dtype=object)
    roster = {"name": names, "group": [GROUPS[i % len(GROUPS)] for i in range(len(names))],
              "status": ["正式党员"] * len(names), "position": ["书记", "副书记"] + [None] * (len(names) - 2),
              "note": [None] * len(names)}
    # Meetings are attended by the same groups of people again and again.
    attendee_lists = ["、".join(name_arr[rng.integers(0, len(names), size=rng.integers(3, 12))]) for _ in range(300)]
    inspector_pairs = ["、".join(name_arr[[i, (i + 1) % 50]]) for i in range(50)]
    per_year = {k: int(rows * s) // len(years) for k, s in SHARES.items()}
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in SHARES}
    for year in years:
        n = per_year["volunteer"]
        vol = volunteer_rows(n, seed + year, year)
        parts["volunteer"].append(_typed(schema.VOLUNTEER, vol))
        n = per_year["study"]
        types = np.array(schema.STUDY_TYPES, dtype=object)
        expected = rng.integers(20, 60, size=n)
        parts["study"].append(_typed(schema.STUDY, {
            "date": _days(rng, n, year), "type": types[rng.integers(0, len(types), size=n)],
            "topic": np.array([f"学习专题{i % 500}" for i in range(n)], dtype=object),
            "speaker": name_arr[rng.integers(0, 50, size=n)], "expected": expected,
            "present": expected - rng.integers(0, 10, size=n),
            "attendees": np.array(attendee_lists, dtype=object)[rng.integers(0, len(attendee_lists), size=n)],
            "hours": np.array(HOURS)[rng.integers(0, len(HOURS), size=n)],
            "group": np.array(GROUPS, dtype=object)[rng.integers(0, len(GROUPS), size=n)],
            "place": "局机关三楼会议室", "note": None}))
        n = per_year["inspections"]
        firms = np.array([f"{a}{b}有限公司" for a in FIRMS for b in INDUSTRIES], dtype=object)
        kinds = np.array(schema.INSPECTION_TYPES, dtype=object)
        cats = np.array(schema.OBJECT_CATEGORIES, dtype=object)
        parts["inspections"].append(_typed(schema.INSPECTIONS, {
            "date": _days(rng, n, year), "type": kinds[rng.integers(0, len(kinds), size=n)],
            "object": firms[rng.integers(0, len(firms), size=n)], "category": cats[rng.integers(0, len(cats), size=n)],
            "inspectors": np.array(inspector_pairs, dtype=object)[rng.integers(0, len(inspector_pairs), size=n)],
            "issues": rng.integers(0, 5, size=n),
            "rectify": np.array(schema.RECTIFY_STATES, dtype=object)[rng.integers(0, 4, size=n)], "note": None}))
    frames = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
    scale = rows / 1_000  # targets grow with the data, so completion stays meaningful
    frames["targets"] = _typed(schema.TARGETS, {
        "year": [y for y in years for _ in TARGETS_PLAN],
        "indicator": [k for _ in years for k, _t in TARGETS_PLAN],
        "target": [float(t) * scale for _ in years for _k, t in TARGETS_PLAN], "note": None})
    frames["roster"] = _typed(schema.ROSTER, roster)
    return frames


STUDY_TOPICS = ("学习贯彻党的二十大精神", "《中国共产党章程》专题学习", "统计法治宣传教育", "廉洁从政警示教育",
                "“三会一课”制度学习", "数据质量专题研讨")


def write_study_workbook(path: Path, rows: int, *, type_value: str | None = None, seed: int = SEED,
                         year: int = YEAR) -> Path:
    """A 学习教育 workbook of ``rows`` data rows (date, 类型, 主题, 主讲人, 应到/实到, 学时).

    Every row is valid, unless ``type_value`` is given: then every row's 类型 is that value (e.g. the
    README's own example mistake "学习"), the refusal-at-scale case of bench item 9."""
    rng = np.random.default_rng(seed)
    reg = schema.STUDY
    days = _days(rng, rows, year).astype("datetime64[D]").tolist()
    types = np.array(schema.STUDY_TYPES, dtype=object)[rng.integers(0, len(schema.STUDY_TYPES), size=rows)]
    if type_value is not None:
        types[:] = type_value
    topics = np.array(STUDY_TOPICS, dtype=object)[rng.integers(0, len(STUDY_TOPICS), size=rows)].tolist()
    speakers = np.array(people(50, rng), dtype=object)[rng.integers(0, 50, size=rows)].tolist()
    expected = rng.integers(20, 60, size=rows)
    present = (expected - rng.integers(0, 10, size=rows)).tolist()
    hours = np.array(HOURS)[rng.integers(0, len(HOURS), size=rows)].tolist()
    headers = [reg.column(k).label for k in ("date", "type", "topic", "speaker", "expected", "present", "hours")]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(reg.name)
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers)
    for r, values in enumerate(zip(days, types.tolist(), topics, speakers, expected.tolist(), present, hours),
                               start=1):
        sheet.write_datetime(r, 0, values[0], day)
        sheet.write_row(r, 1, values[1:])
    book.close()
    return path
