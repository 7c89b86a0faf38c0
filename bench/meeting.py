"""A meeting opens the link: ``python bench/meeting.py [--sessions 20] [--out FILE]``.

Starts one ``streamlit run app.py`` (local mode) on a temporary SQLite database holding the demo
year (``bench/first_look.py``'s start-up), warms it with one visit, then opens 总览 in ``--sessions``
pages of one Debian Chromium (Playwright, ``/usr/bin/chromium``) at once, each page in its own
browser context (its own Streamlit session). Reports the median and slowest time to the first card
(from each page's own navigation start, and the whole wave from the first navigation), the server's
RSS before the wave and with every session open, divided by the number of sessions, and how often
each cached read or metric was really computed during the wave (``DJ_BENCH_CALLS``: ``ui.cache``
and ``ui.board`` append a line per computation when it is set), which must be once, not once per
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

from bench.first_look import CHROMIUM, CHROMIUM_ARGS, MARKS_SCRIPT, TIMEOUT_MS, start_app  # noqa: E402

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


def run(sessions: int) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="dj-meeting-") as tmp_name:
        tmp = Path(tmp_name)
        calls = tmp / "calls.txt"
        os.environ["DJ_BENCH_CALLS"] = str(calls)
        app, port, _cards = start_app(tmp)
        url = f"http://127.0.0.1:{port}/"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    warm = browser.new_context()
                    warm.add_init_script(MARKS_SCRIPT)
                    first_card(_open(warm, url))  # modules imported, caches filled by one visitor
                    warm.close()
                    time.sleep(2)
                    warm_calls = counted(calls)
                    calls.unlink(missing_ok=True)
                    before = rss_mb(app.pid)
                    contexts = []
                    started = time.perf_counter()
                    pages = []
                    for _ in range(sessions):
                        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                        context.add_init_script(MARKS_SCRIPT)
                        contexts.append(context)
                        pages.append(_open(context, url, wait=False))
                    cards = [first_card(page) for page in pages]
                    wave = time.perf_counter() - started
                    for page in pages:  # every script run finished: the sessions hold their state
                        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
                            timeout=TIMEOUT_MS)
                    time.sleep(2)
                    after = rss_mb(app.pid)
                    wave_calls = counted(calls)
                    for context in contexts:
                        context.close()
                finally:
                    browser.close()
        finally:
            app.terminate()
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
    return {"cards": cards, "wave": wave, "before": before, "after": after,
            "warm_calls": warm_calls, "wave_calls": wave_calls, "sessions": sessions}


def _open(context, url: str, wait: bool = True):
    page = context.new_page()
    page.goto(url, timeout=TIMEOUT_MS, wait_until="load" if wait else "commit")
    return page


def section(r: dict, started: datetime, load: tuple) -> str:
    n = r["sessions"]
    median, slowest = statistics.median(r["cards"]), max(r["cards"])
    per_session = (r["after"] - r["before"]) / n
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    repeated = {k: v for k, v in r["wave_calls"].items() if v > 1}
    lines = [f"## A meeting opens the link (issue 16 point 3): {started:%Y-%m-%d %H:%M}", "",
             f"- {n} pages (one browser context each) in one {chromium}, one `streamlit run app.py`, demo "
             f"year, local mode, server warmed by one visit; {os.cpu_count()} cores, load average "
             f"{load[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end",
             f"- command: `python bench/meeting.py --sessions {n}`", "",
             "| measure | value | target | met |", "|---|---:|---|---|",
             f"| first card, median of {n} pages | {median:.2f} s | | |",
             f"| first card, slowest page | {slowest:.2f} s | ≤ {TARGET_SLOWEST:.0f} s "
             f"| {'yes' if slowest <= TARGET_SLOWEST else '**no**'} |",
             f"| whole wave: first navigation to the last page's first card | {r['wave']:.2f} s | | |",
             f"| server RSS before the wave → with {n} sessions open | {r['before']:.0f} MB → {r['after']:.0f} MB"
             " | | |",
             f"| server memory per session | {per_session:.1f} MB | ≤ {TARGET_MB:.0f} MB "
             f"| {'yes' if per_session <= TARGET_MB else '**no**'} |",
             f"| computations during the wave (cached reads and metrics) | {sum(r['wave_calls'].values())} "
             f"(warm-up visit: {sum(r['warm_calls'].values())}) | none repeated per session "
             f"| {'yes' if not repeated else '**no**: ' + ', '.join(f'{k} ×{v}' for k, v in repeated.items())} |",
             ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--out", type=Path, help="append the section to this Markdown file")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install chromium")
    started, load = datetime.now(), os.getloadavg()
    text = section(run(args.sessions), started, load)
    print(text)
    if args.out:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
