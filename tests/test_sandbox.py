"""data.sandbox: a child process with memory, CPU, output and wall-clock limits; whatever the
child does becomes one SandboxFailed (a DataError) and the parent stays up and responsive.

The functions run in the child live in tests/sandbox_funcs.py."""

from __future__ import annotations

import os
import threading
import time

import pytest

from data import sandbox
from data.errors import DataError, RejectedFile
from tests.sandbox_funcs import (abort, add, allocate, big_result, calamine_panic, hostile_pickle, refuse,
                                 returns_function, segfault, sleep, spin,
                                 system_exit, write_file)

SMALL = sandbox.Limits(memory_bytes=256 * 2**20, cpu_seconds=2, seconds=30, output_bytes=2**20)


def failure(func, *args, limits=SMALL) -> sandbox.SandboxFailed:
    with pytest.raises(sandbox.SandboxFailed) as err:
        sandbox.run(func, *args, limits=limits, what="测试.xls")
    assert isinstance(err.value, DataError) and err.value.message.startswith("测试.xls ")
    return err.value


def test_returns_the_result_from_another_process():
    result = sandbox.run(add, 2, b=3, limits=SMALL)
    assert result["sum"] == 5 and result["pid"] != os.getpid()


def test_a_data_error_keeps_its_own_class_message_and_code():
    with pytest.raises(RejectedFile) as err:
        sandbox.run(refuse, "设置了打开密码", limits=SMALL)
    assert (err.value.message, err.value.code) == ("设置了打开密码", "password")
    assert not isinstance(err.value, sandbox.SandboxFailed)


def test_memory_exhaustion_is_a_refusal():
    assert failure(allocate, 2 * 2**30).reason == "memory"


def test_cpu_exhaustion_is_a_refusal():
    assert failure(spin).reason == "cpu"


def test_wall_clock_timeout_kills_the_child():
    limits = sandbox.Limits(memory_bytes=256 * 2**20, cpu_seconds=5, seconds=1, output_bytes=2**20)
    assert failure(sleep, 600, limits=limits).reason == "timeout"


def test_output_bound():
    assert failure(big_result, 2 * 2**20).reason == "output"


@pytest.mark.parametrize("func", [abort, segfault, calamine_panic, system_exit])
def test_crashes_and_base_exceptions_are_one_refusal(func):
    assert failure(func).reason == "crash"


def test_the_child_writes_no_files(tmp_path):
    failure(write_file, str(tmp_path / "out.txt"))
    assert not (tmp_path / "out.txt").exists() or (tmp_path / "out.txt").stat().st_size == 0


def test_parent_stays_responsive_while_a_child_spins():
    """A hostile call (a child busy until its limit) in one thread; meanwhile other calls, in
    other threads and this one, complete."""
    limits = sandbox.Limits(memory_bytes=256 * 2**20, cpu_seconds=30, seconds=30, output_bytes=2**20)
    outcome = {}

    def hostile():
        try:
            sandbox.run(sleep, 600, limits=sandbox.Limits(seconds=8, cpu_seconds=5))
        except sandbox.SandboxFailed as err:
            outcome["hostile"] = err.reason

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive()  # still running
    done = [sandbox.run(add, i, 1, limits=limits)["sum"] for i in range(3)]
    assert done == [1, 2, 3] and thread.is_alive()
    thread.join(timeout=60)
    assert outcome == {"hostile": "timeout"}
    assert sandbox.run(add, 1, 1, limits=limits)["sum"] == 2  # and still works after


def test_a_child_cannot_make_the_parent_call_a_function():
    assert failure(hostile_pickle).reason == "crash"
    assert failure(returns_function).reason == "crash"
