"""Run a function in a child process with limits: ``run(func, *args, limits=Limits(...))``.

Used for what no pre-parse check can bound: .xls files (OLE2, read by calamine) and Word drafts
filled by docxtpl/Jinja. The child gets an address-space limit (RLIMIT_AS), a CPU-time limit
(RLIMIT_CPU), no file writes (RLIMIT_FSIZE 0) and a bound on the size of its pickled result; the
parent waits at most ``limits.seconds`` of wall-clock time and then kills it. Whatever happens in
the child — an exception of any kind (pyo3's PanicException is a BaseException), an abort, a
segfault, memory or CPU exhaustion, a timeout, a result too big — the parent gets one
``SandboxFailed`` (a ``DataError``) with a Chinese message, and stays up: it only waits on a
socket, so other threads (Streamlit sessions) run meanwhile. A ``DataError`` raised by the
function itself (a refusal with its own message, e.g. an encrypted file) is raised as is.

Start method. Forking the parent is unsafe (a Streamlit server has many threads; a fork copies
their locks in whatever state they are in) and ``spawn`` starts a fresh interpreter that imports
pandas & co. for every call (measured: 2.5 s a call on the 2-core CI machine). multiprocessing's
``forkserver`` would be the fit, but each child it starts also re-runs the parent's ``__main__``
(under ``streamlit run`` the streamlit launcher, importing streamlit again). So this module keeps
its own small fork server ("zygote"): a fresh interpreter started once with ``subprocess``
(fork+exec, safe in a threaded parent), single-threaded, with ``data.reader`` and
``data.report_docx`` imported once. Each call connects to it over a Unix socket in a private
directory (mode 0700); it forks a child that reads the call (a pickle of the function by
reference and its arguments), sets its limits, runs it and writes the pickled outcome back.
Measured (loaded 2-core machine): a call ~20-40 ms (fork and two pickles; a 20 MB argument
~0.2 s); the zygote's start, once, ~2.5 s. The zygote exits when the parent does (its stdin
closes).
"""

from __future__ import annotations

import io
import os
import pickle
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from data import texts
from data.errors import DataError, RejectedFile

# Imported once in the zygote, so that a child finds them ready.
PRELOAD = ("data.reader", "data.report_docx")
_HEADER = struct.Struct("!Q")  # length prefix of a message
_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 1024 * 2**20  # address space the child may add to what the zygote holds
    cpu_seconds: int = 20
    seconds: float = 60.0  # wall clock, start to result
    output_bytes: int = 256 * 2**20  # the pickled result


class SandboxFailed(RejectedFile):
    """The file is refused: the sandboxed work on it did not finish within its limits, or crashed. ``reason``: "timeout",
    "cpu", "memory", "output", "crash"."""

    def __init__(self, message: str, reason: str):
        super().__init__(message, code=f"sandbox_{reason}")
        self.reason = reason


def run(func, *args, limits: Limits = Limits(), what: str = "", **kwargs):
    """``func(*args, **kwargs)`` in a sandboxed child; its result (picklable). ``func`` must be a
    module-level function (pickled by reference). ``what``: how a message names the work, e.g.
    the file name ("{what} 处理超时")."""
    request = pickle.dumps((func, args, kwargs, limits), protocol=pickle.HIGHEST_PROTOCOL)
    deadline = time.monotonic() + limits.seconds
    conn = _zygote().connect()
    pid = 0
    try:
        pid = _HEADER.unpack(_recv_exact(conn, _HEADER.size, deadline))[0]
        conn.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            _send(conn, request)
        except TimeoutError:
            raise _Timeout from None
        kind, payload = _loads(_recv_message(conn, deadline, limits.output_bytes + 2**16))
    except _Timeout:
        _kill(pid)
        raise SandboxFailed(texts.SANDBOX_TIMEOUT.format(what=what, seconds=int(limits.seconds)), "timeout") from None
    except (_Closed, OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        # The child died before answering: an abort when an allocation failed under the memory
        # limit (Rust code aborts then), the CPU limit's SIGKILL, a segfault.
        _kill(pid)
        raise SandboxFailed(texts.SANDBOX_MESSAGES["crash"].format(what=what), "crash") from None
    finally:
        conn.close()
    if kind == "ok":
        try:
            return _loads(payload)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            raise SandboxFailed(texts.SANDBOX_MESSAGES["crash"].format(what=what), "crash") from None
    if kind == "data_error":
        cls, message, fields = payload
        if not (isinstance(cls, type) and issubclass(cls, DataError)):
            raise SandboxFailed(texts.SANDBOX_MESSAGES["crash"].format(what=what), "crash")
        err = cls.__new__(cls)
        Exception.__init__(err, message)
        err.__dict__.update(fields)
        raise err
    raise SandboxFailed(texts.SANDBOX_MESSAGES[kind].format(what=what), kind)


# --- the parent's side -------------------------------------------------------------------------

# What a child's answer may contain besides Python's plain types: a child that ran hostile input is
# not trusted to send arbitrary pickles (unpickling can call any importable function). Modules whose
# results cross the boundary register their classes with ``allow_result``.
_RESULT_TYPES: dict[tuple[str, str], type] = {
    ("datetime", name): getattr(__import__("datetime"), name) for name in ("date", "datetime", "time", "timedelta",
                                                                           "timezone")
}


def allow_result(*classes: type) -> None:
    """Let instances of ``classes`` (plain data classes) come back from a child."""
    for cls in classes:
        _RESULT_TYPES[(cls.__module__, cls.__qualname__)] = cls


class _ResultUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        found = _RESULT_TYPES.get((module, name))
        if found is None:
            # DataError subclasses name the refusal's class (used as a type, never called).
            cls = super().find_class(module, name) if module.startswith("data.") else None
            if isinstance(cls, type) and issubclass(cls, DataError):
                return cls
            raise pickle.UnpicklingError(f"{module}.{name}")
        return found


def _loads(data: bytes):
    return _ResultUnpickler(io.BytesIO(data)).load()


class _Timeout(Exception):
    pass


class _Closed(Exception):
    pass


def _recv_exact(conn: socket.socket, n: int, deadline: float) -> bytes:
    chunks, got = [], 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Timeout
        conn.settimeout(left)  # not select(): a busy server may hold file descriptors past 1024
        try:
            chunk = conn.recv(min(n - got, 2**20))
        except TimeoutError:
            raise _Timeout from None
        if not chunk:
            raise _Closed
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv_message(conn: socket.socket, deadline: float, limit: int) -> bytes:
    size = _HEADER.unpack(_recv_exact(conn, _HEADER.size, deadline))[0]
    if size > limit:
        raise _Closed
    return _recv_exact(conn, size, deadline)


def _send(conn: socket.socket, payload: bytes) -> None:
    conn.sendall(_HEADER.pack(len(payload)) + payload)


def _kill(pid: int) -> None:
    if pid <= 0:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class _Zygote:
    def __init__(self):
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.address = ""

    def connect(self) -> socket.socket:
        with self.lock:
            for attempt in range(2):
                if self.proc is None or self.proc.poll() is not None:
                    self._start()
                conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    conn.connect(self.address)
                    return conn
                except OSError:
                    conn.close()
                    if attempt:
                        raise
                    self._stop()
        raise AssertionError("unreachable")

    def _start(self) -> None:
        folder = tempfile.mkdtemp(prefix="dj-sandbox-")  # mode 0700: only this user connects
        self.address = os.path.join(folder, "s")
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
        self.proc = subprocess.Popen([sys.executable, "-m", "data.sandbox", self.address, *PRELOAD],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=_ROOT, env=env,
                                     close_fds=True, start_new_session=True)
        ready = self.proc.stdout.readline()  # the zygote says "ready" once it listens
        if ready.strip() != b"ready":
            self._stop()
            raise SandboxFailed(texts.SANDBOX_MESSAGES["crash"].format(what=""), "crash")

    def _stop(self) -> None:
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.proc = None


_ZYGOTE = _Zygote()


def _zygote() -> _Zygote:
    return _ZYGOTE


def start() -> None:
    """Start the zygote now (optional: the first ``run`` does it), e.g. when a server starts."""
    _ZYGOTE.connect().close()


# --- the zygote and its children -----------------------------------------------------------------

def _serve(address: str, preload: list[str]) -> None:
    import importlib

    for name in preload:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(64)
    sys.stdout.buffer.write(b"ready\n")
    sys.stdout.buffer.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nobody reads the pipe after "ready": a child's prints must not fill it
    stdin = sys.stdin.buffer.fileno()
    while True:
        readable = select.select([listener, stdin], [], [])[0]
        if stdin in readable and not os.read(stdin, 4096):
            os._exit(0)  # the parent is gone
        if listener in readable:
            conn, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                _child(conn)  # never returns
            conn.close()


class _CpuExceeded(BaseException):
    pass


def _on_sigxcpu(_signum, _frame):
    raise _CpuExceeded


def _child(conn: socket.socket) -> None:
    """Run one call: send the pid, read the request, set the limits, run, answer, exit."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _send_raw(conn, _HEADER.pack(os.getpid()))
        size = _HEADER.unpack(_read_exact(conn, _HEADER.size))[0]
        func, args, kwargs, limits = pickle.loads(_read_exact(conn, size))
        vm = _vm_bytes()
        resource.setrlimit(resource.RLIMIT_AS, (vm + limits.memory_bytes, vm + limits.memory_bytes))
        used = int(resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime)
        cpu = used + limits.cpu_seconds
        # SIGXCPU at the soft limit (raised as _CpuExceeded between bytecodes), SIGKILL at the hard
        # one should native code not return.
        signal.signal(signal.SIGXCPU, _on_sigxcpu)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file writes: they fail with EFBIG
    except BaseException:
        os._exit(1)
    try:
        try:
            result = func(*args, **kwargs)
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            outcome = ("ok", payload) if len(payload) <= limits.output_bytes else ("output", None)
            del result, payload
        except DataError as err:
            outcome = ("data_error", (type(err), err.message, dict(err.__dict__)))
        except MemoryError:
            outcome = ("memory", None)
        except _CpuExceeded:
            outcome = ("cpu", None)
        except BaseException:  # noqa: BLE001 - pyo3's PanicException, anything: one refusal
            outcome = ("crash", None)
        signal.signal(signal.SIGXCPU, signal.SIG_IGN)
        _send(conn, pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:
        os._exit(1)
    os._exit(0)


def _send_raw(conn: socket.socket, data: bytes) -> None:
    conn.sendall(data)


def _read_exact(conn: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = conn.recv(min(n - got, 2**20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2:])
