"""A meeting opens the link: ``python bench/meeting.py [--sessions 20] [--out FILE]``.

Starts one ``streamlit run serve.py`` (local mode) on a temporary SQLite database holding the demo
year (``bench/first_look.py``'s start-up), warms it with one visit, then opens 总览 in ``--sessions``
pages of one Debian Chromium (Playwright, ``/usr/bin/chromium``) at once, twice: (1) as tabs of one
browser context that has opened the app before (each tab its own Streamlit session; the leaders'
phones have their own processors, and a phone that opened the link before keeps Streamlit's
scripts), and (2) each page in its own context with an empty cache, so that this one 2-core machine
also downloads and compiles Streamlit's 9.6 MB of scripts twenty times beside the server. Reports,
per wave, the median and slowest time to the first card (from each page's own navigation start, and
the whole wave from the first navigation), the server's CPU time during the wave, its RSS before
the wave and with every session open, divided by the number of sessions, and how often each cached
read or metric was really computed during the wave (``DJ_BENCH_CALLS``: ``ui.cache`` and
``ui.board`` append a line per computation when it is set), which must be once, not once per
session. Prints a Markdown section; ``--out`` appends it to a file (e.g. ``bench/results.md``).

Targets (issue #16 point 3): slowest first card ≤ 3 s, ≤ 30 MB per session. Needs Chromium and
Playwright; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.first_look import CHROMIUM, CHROMIUM_ARGS, MARKS_SCRIPT, TIMEOUT_MS, start_app, start_baseline  # noqa: E402

TARGET_SLOWEST = 3.0  # s
TARGET_MB = 30.0  # per session


def rss_mb(pid: int) -> float:
    """Resident memory of one process (Linux /proc), MB."""
    with open(f"/proc/{pid}/status") as fh:
        line = next(line for line in fh if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def counted(path: Path) -> collections.Counter:
    if not path.exists():
        return collections.Counter()
    return collections.Counter(path.read_text(encoding="utf-8").split())


def first_card(page) -> float:
    page.wait_for_function("() => window.__marks && window.__marks.card !== undefined", timeout=TIMEOUT_MS)
    return page.evaluate("() => window.__marks.card") / 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (Linux /proc), seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(sessions: int, shared: bool, baseline: bool = False) -> dict:
    """One wave of ``sessions`` pages. ``shared``: the pages are tabs of one browser context whose
    cache has seen the app once (leaders who opened the link before; each tab is still its own
    Streamlit session); otherwise each page has its own context and an empty cache, so this one
    2-core machine also does the work of twenty browsers downloading and compiling Streamlit's
    9.6 MB of scripts. ``baseline``: the same wave on ``bench/first_look.py``'s one-card Streamlit app
    (the floor of any Streamlit page on this machine)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="dj-meeting-") as tmp_name:
        tmp = Path(tmp_name)
        calls = tmp / "calls.txt"
        os.environ["DJ_BENCH_CALLS"] = str(calls)
        app, port = start_baseline(tmp) if baseline else start_app(tmp)[:2]
        url = f"http://127.0.0.1:{port}/"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    warm = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                    warm.add_init_script(MARKS_SCRIPT)
                    visitor = _open(warm, url)
                    first_card(visitor)  # modules imported, caches filled by one visitor
                    visitor.close()
                    if not shared:
                        warm.close()
                    time.sleep(2)
                    warm_calls = counted(calls)
                    calls.unlink(missing_ok=True)
                    before, cpu_before = rss_mb(app.pid), cpu_seconds(app.pid)
                    contexts = []
                    started = time.perf_counter()
                    pages = []
                    for _ in range(sessions):
                        if shared:
                            context = warm
                        else:
                            context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                            context.add_init_script(MARKS_SCRIPT)
                            contexts.append(context)
                        pages.append(_open(context, url, wait=False))
                    cards = [first_card(page) for page in pages]
                    wave = time.perf_counter() - started
                    for page in pages:  # every script run finished: the sessions hold their state
                        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
                            timeout=TIMEOUT_MS)
                    server_cpu = cpu_seconds(app.pid) - cpu_before
                    time.sleep(2)
                    after = rss_mb(app.pid)
                    wave_calls = counted(calls)
                    for context in contexts if not shared else [warm]:
                        context.close()
                finally:
                    browser.close()
        finally:
            app.terminate()
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
    return {"cards": cards, "wave": wave, "before": before, "after": after, "server_cpu": server_cpu,
            "warm_calls": warm_calls, "wave_calls": wave_calls, "sessions": sessions, "shared": shared,
            "baseline": baseline}


def _open(context, url: str, wait: bool = True):
    page = context.new_page()
    page.goto(url, timeout=TIMEOUT_MS, wait_until="load" if wait else "commit")
    return page


WAVES = {True: "tabs of one browser that has opened the app before",
         False: "each page its own browser context, empty cache"}


def section(results: list[dict], started: datetime, load: tuple) -> str:
    n = results[0]["sessions"]
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"## A meeting opens the link (issue 16 point 3): {started:%Y-%m-%d %H:%M}", "",
             f"- {n} pages at once in one {chromium}, one `streamlit run serve.py`, demo year, local mode, "
             f"server warmed by one visit; {os.cpu_count()} cores (the browser and the server share them), "
             f"load average {load[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end",
             f"- command: `python bench/meeting.py --sessions {n}`; two waves, one after the other: "
             + "; ".join(f"({i}) {WAVES[r['shared']]}" + (", on a one-card Streamlit app (the floor)" if r["baseline"]
                         else "") for i, r in enumerate(results, 1)), "",
             "| wave | measure | value | target | met |", "|---|---|---:|---|---|"]
    for i, r in enumerate(results, 1):
        median, slowest = statistics.median(r["cards"]), max(r["cards"])
        per_session = (r["after"] - r["before"]) / n
        repeated = {k: v for k, v in r["wave_calls"].items() if v > 1}
        wave = f"({i}) {WAVES[r['shared']]}" + (": one-card app (floor)" if r["baseline"] else "")
        lines += [
            f"| {wave} | first card, median of {n} pages | {median:.2f} s | | |",
            f"| {wave} | first card, slowest page | {slowest:.2f} s | ≤ {TARGET_SLOWEST:.0f} s "
            f"| {'yes' if slowest <= TARGET_SLOWEST else '**no**'} |",
            f"| {wave} | whole wave: first navigation to the last page's first card | {r['wave']:.2f} s | | |",
            f"| {wave} | server CPU during the wave (per session) | {r['server_cpu']:.2f} s "
            f"({r['server_cpu'] / n * 1000:.0f} ms) | | |",
            f"| {wave} | server RSS before the wave → with {n} sessions open | {r['before']:.0f} MB → "
            f"{r['after']:.0f} MB | | |",
            f"| {wave} | server memory per session | {per_session:.1f} MB | ≤ {TARGET_MB:.0f} MB "
            f"| {'yes' if per_session <= TARGET_MB else '**no**'} |",
            f"| {wave} | computations during the wave (cached reads and metrics) | {sum(r['wave_calls'].values())} "
            f"(warm-up visit: {sum(r['warm_calls'].values())}) | none repeated per session "
            f"| {'yes' if not repeated else '**no**: ' + ', '.join(f'{k} ×{v}' for k, v in repeated.items())} |"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--out", type=Path, help="append the section to this Markdown file")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install chromium")
    started, load = datetime.now(), os.getloadavg()
    text = section([run(args.sessions, shared=True), run(args.sessions, shared=False),
                    run(args.sessions, shared=True, baseline=True)], started, load)
    print(text)
    if args.out:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
