"""Bulk steps over large registers (reading, validating and storing 100k-row frames)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk step (reading, storing 100k-row registers).

    Such a step allocates about a million objects that form no reference cycles; the collector's
    passes over them cost ~10% of an import and find nothing. Reference counting still frees
    everything. A collector that was off stays off; concurrent steps at worst re-enable it early.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
