"""ui.charts.completion_chart: where each bar's label goes. A label drawn outside a bar's end sits
where a 序时 marker just right of the bar would be drawn over it; such a label goes inside the bar
(when the bar can hold it), every other label stays outside."""

import pandas as pd

from metrics.states import Status
from ui import charts


def table(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """(name, unit, completion, time_progress) rows, as metrics.progress.progress_table gives them."""
    return pd.DataFrame([{"key": f"k{i}", "name": name, "unit": unit, "completion": done, "time_progress": time,
                          "status": Status.BEHIND} for i, (name, unit, done, time) in enumerate(rows)])


def test_a_label_under_its_marker_goes_inside_the_bar_and_the_others_stay_outside():
    fig = charts.completion_chart(table([
        ("学习教育次数", "次", 0.80, 0.85),    # marker 5 points right of the bar's end: over the label
        ("志愿服务时长", "小时", 0.40, 0.85),  # marker far right: the label is clear of it
        ("检查核查次数", "次", 0.95, 0.85),    # marker inside the bar
        ("新发展党员", "人", 0.10, 0.15),      # marker over the label, but the bar is too short to hold it
        ("党员参学率", "%", 0.92, 0.50),       # a rate: its marker is the target, 100%
    ]))
    bar = fig.data[0]
    assert list(bar.y) == ["学习教育次数", "志愿服务时长", "检查核查次数", "新发展党员", "党员参学率"]
    assert list(bar.textposition) == ["inside", "outside", "outside", "outside", "inside"]
    assert list(bar.text) == ["80.0%", "40.0%", "95.0%", "10.0%", "92.0%"]


def test_label_positions_follow_the_span():
    span = charts.LABEL_SPAN
    assert charts.label_positions([50.0, 50.0, 50.0], [50.0, 50.0 + span, 50.0 + span + 0.1]) == [
        "inside", "inside", "outside"]
    assert charts.label_positions([span - 0.1, span], [span + 1, span + 1]) == ["outside", "inside"]
