"""Bulk steps over large registers (reading, validating and storing 100k-row frames)."""

from __future__ import annotations

import gc
import os
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


def arrow_system_pool() -> None:
    """Let Arrow (pandas' ``str`` columns) allocate with the system allocator rather than its default
    mimalloc pool, which keeps the segments it has freed: a 100k-row import peaked ~25 MB higher
    with it (bench item 5). An explicit ``ARROW_DEFAULT_MEMORY_POOL`` is left as it is."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
