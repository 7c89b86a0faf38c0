"""Typed states of the metrics: stable English values for logic, colours and JSON; the Chinese
label of each is looked up in ``data.texts`` (renaming a label changes no logic and no JSON value).

A member is a ``str`` (``StrEnum``), so ``Status.BEHIND == "behind"`` and ``json.dumps`` writes
the value.
"""

from __future__ import annotations

from enum import StrEnum

from data import texts


class Status(StrEnum):
    """Progress of an indicator against its target (``metrics.progress.assess``)."""

    DONE = "done"            # the target is reached
    ON_TRACK = "on_track"    # completion at or above 序时进度
    SLIGHTLY_BEHIND = "slightly_behind"  # behind by at most the settings' tolerance (metrics.glance.band)
    BEHIND = "behind"        # completion below 序时进度 (a rate: below its target)
    NO_DATA = "no_data"      # a target but nothing to compute the value from

    @property
    def label(self) -> str:
        return texts.STATUS_LABELS[self.value]


class Mark(StrEnum):
    """One cell of the 三会一课 compliance grid (``metrics.compliance.compliance``)."""

    MET = "met"              # at least the rule's minimum in the period
    MISSED = "missed"        # the period has ended below the minimum
    NOT_DUE = "not_due"      # below the minimum, but the period has not ended by the as-of date
    NOT_UPLOADED = "not_uploaded"  # ended, but no 学习教育 row at all in the period (metrics.glance.with_uploads)

    @property
    def label(self) -> str:
        return texts.MARK_LABELS[self.value]


class Frequency(StrEnum):
    """How often: the step of a progress series or a breakdown, and how often a compliance rule
    repeats (local rules spell it in English or Chinese: ``metrics.compliance``)."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def label(state: object) -> str:
    """The Chinese label of a ``Status`` or ``Mark`` (or of its stable value); ``texts.METRIC_NONE``
    for an empty one."""
    if state is None or state != state:  # None or NaN
        return texts.METRIC_NONE
    for kind in (Status, Mark):
        if state in kind._value2member_map_:
            return kind(state).label
    raise ValueError(state)
