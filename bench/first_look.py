"""First look at 总览 in a real browser: ``python bench/first_look.py [--runs 5] [--out FILE] [--quick]``.

Starts ``streamlit run serve.py`` (local mode) on a temporary SQLite database holding the demo year,
warms it with one visit, then opens 总览 in Debian's Chromium (Playwright) ``--runs`` times each:

* empty cache: a new browser context (no HTTP cache, no cookies) per visit;
* cached: a reload in the same context after a first visit;

directly, and through nginx with compression (``deploy/nginx.conf`` on loopback; skipped when nginx
is not installed). Times come from the page itself (``performance.now()`` when a MutationObserver
first sees the element, from the start of navigation): the status line, the first card, all cards,
the first chart drawn. Bytes are the encoded bodies of every HTTP response plus the WebSocket
frames received, with the number of requests, counted in one extra visit per cache state (asking the
browser for sizes while the page loads would slow the timed visits). The two ways of serving take
turns, visit by visit. Medians are printed as a Markdown table and written
to ``bench/first_look.md`` (``--out``); ``--quick`` does one run and writes nothing unless ``--out``.

Targets (issue #14): first card ≤ 1.5 s with an empty cache and ≤ 0.8 s cached; cards and the
status line before any chart. Nothing here is asserted by the tests (speed is measured, not tested).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Streamlit's static files, which deploy/nginx.conf serves from disk (found without importing streamlit).
STREAMLIT_STATIC = Path(importlib.util.find_spec("streamlit").origin).parent / "static" / "static"
OUT = ROOT / "bench" / "first_look.md"
TIMEOUT_MS = 120_000
TARGETS = {"card_empty": 1.5, "card_cached": 0.8}
BASELINE = "baseline: a one-card Streamlit app (direct)"

# Records, relative to navigation start, when each part of 总览 first appears.
MARKS_SCRIPT = """
window.__marks = {};
// A card's value: st.metric's before, the second paragraph of the card's first markdown since.
const CARD_VALUE = '[class*="st-key-keep-card"] [data-testid="stMetricValue"], [class*="st-key-keep-card"] > '
  + '[data-testid="stElementContainer"]:first-child [data-testid="stMarkdownContainer"] p + p';
const mark = () => {
  const m = window.__marks, now = performance.now();
  if (m.status === undefined && document.querySelector('.st-key-keep-status')) m.status = now;
  const cards = document.querySelectorAll(CARD_VALUE).length;
  if (m.card === undefined && cards > 0) m.card = now;
  if (m.cards === undefined && cards > 0 && cards >= (window.__expected || 1e9)) m.cards = now;
  if (m.chart === undefined && document.querySelector('.stPlotlyChart .main-svg')) m.chart = now;
};
new MutationObserver(mark).observe(document, {subtree: true, childList: true});
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{what} did not answer {url} within {timeout} s")
            time.sleep(0.3)


def start_app(tmp: Path) -> tuple[subprocess.Popen, int, int]:
    """The app on a demo database; returns (process, port, cards expected)."""
    from data.demo import load_demo
    from data.settings import load_settings
    from data.store import Store
    from metrics.progress import progress_table

    url = f"sqlite:///{tmp}/first_look.db"
    os.environ["DATABASE_URL"] = url
    os.environ.pop("DJ_USERS_FILE", None)
    store = Store(url, branch=load_settings().branch)
    outcome = load_demo(store)
    if outcome.rejected:
        raise SystemExit("the demo year could not be loaded")
    year = max(store.years())
    cards = int(progress_table(store.frames([year - 1, year]), year)["target"].notna().sum())
    port = free_port()
    log = (tmp / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=log, stderr=subprocess.STDOUT)
    wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc, "streamlit")
    return proc, port, cards


# The floor: Streamlit's own start in the browser, with the same server settings and nothing but a
# status line and one card drawn the way 总览 draws them (markdown in keyed containers).
BASELINE_APP = """
import streamlit as st
with st.container(key="keep-status"):
    st.markdown("12 项指标：已完成 9 项")
with st.container(border=True, key="keep-card-x"):
    st.markdown("**学习教育次数**\\n\\n**24** 次")
"""


def start_baseline(tmp: Path) -> tuple[subprocess.Popen, int]:
    """A one-card Streamlit app (``BASELINE_APP``) on the project's ``.streamlit/config.toml``."""
    folder = tmp / "baseline"
    (folder / ".streamlit").mkdir(parents=True)
    (folder / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
    (folder / "app.py").write_text(BASELINE_APP)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc, "streamlit (baseline)")
    return proc, port


def nginx_config(app_port: int, port: int, tmp: Path) -> Path:
    """``deploy/nginx.conf`` for loopback: plain HTTP on ``port``, the app on ``app_port``."""
    lines = []
    for line in (ROOT / "deploy" / "nginx.conf").read_text().splitlines():
        if "# BENCH: plain-http" in line or "# BENCH: tls" in line:
            continue
        if "# BENCH: listen" in line:
            line = f"    listen 127.0.0.1:{port};"
        if "# BENCH: static-root" in line:
            line = f"        alias {STREAMLIT_STATIC}/;"
        lines.append(line.replace("127.0.0.1:8501", f"127.0.0.1:{app_port}"))
    site = "\n".join(lines)
    # The first server block (the HTTP -> HTTPS redirect) is left with nothing but braces: drop it.
    site = site.replace("server {\n    listen 80;\n}\n", "")
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
{site}
}}
""")
    return conf


def start_nginx(app_port: int, tmp: Path) -> tuple[subprocess.Popen, int] | None:
    if not Path(NGINX).exists():
        return None
    port = free_port()
    conf = nginx_config(app_port, port, tmp)
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc, "nginx")
    return proc, port


def visit(page, url: str, expected: int, reload: bool = False, count: bool = False, chart: bool = True) -> dict:
    """One visit of 总览: the marks (s); with ``count``, also the bytes and requests. Counting asks
    the browser for every response's sizes while the page loads, which slows a 2-core machine, so
    the timed visits do not count and one extra visit per cache state does."""
    stats = {"bytes": 0, "requests": 0}

    def finished(request):
        stats["requests"] += 1
        try:
            sizes = request.sizes()
            stats["bytes"] += max(0, sizes["responseBodySize"]) + max(0, sizes["responseHeadersSize"])
        except Exception:  # a request without a response (cancelled)
            pass

    def websocket(ws):
        ws.on("framereceived", lambda payload: stats.__setitem__("bytes", stats["bytes"] + len(payload)))

    if count:
        page.on("requestfinished", finished)
        page.on("websocket", websocket)
    page.add_init_script(f"window.__expected = {expected};")
    if reload:
        page.reload(timeout=TIMEOUT_MS)
    else:
        page.goto(url, timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.__marks && window.__marks.cards !== undefined "
                           f"&& {'window.__marks.chart !== undefined' if chart else 'true'} "
                           "&& window.__marks.status !== undefined", timeout=TIMEOUT_MS)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)  # late responses (fonts) counted; not part of the times
    marks = page.evaluate("() => window.__marks")
    if count:
        page.remove_listener("requestfinished", finished)
        page.remove_listener("websocket", websocket)
    return {**{k: v / 1000 for k, v in marks.items()}, **stats}


def first_visits(browser, url: str, expected: int, count: bool = False) -> tuple[dict, dict]:
    """A new browser context (empty cache), 总览 opened, then reloaded (cached); ``expected`` cards
    (1 and no chart: the baseline)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    context.add_init_script(MARKS_SCRIPT)
    page = context.new_page()
    try:
        chart = expected > 1
        return (visit(page, url, expected, count=count, chart=chart),
                visit(page, url, expected, reload=True, count=count, chart=chart))
    finally:
        context.close()


def measure(browser, targets: dict[str, str], expected: int, runs: int) -> dict[str, dict[str, list[dict]]]:
    """``runs`` timed visits of each target, taking turns (so the machine's noise falls on all alike),
    then one counted visit each for the bytes and requests (key ``counted``)."""
    results = {name: {"empty": [], "cached": []} for name in targets}
    for _ in range(runs):
        for name, url in targets.items():
            empty, cached = first_visits(browser, url, 1 if name == BASELINE else expected)
            results[name]["empty"].append(empty)
            results[name]["cached"].append(cached)
    for name, url in targets.items():
        empty, cached = first_visits(browser, url, 1 if name == BASELINE else expected, count=True)
        results[name]["counted"] = {"empty": empty, "cached": cached}
    return results


def median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def table(results: dict[str, dict[str, list[dict]]], runs: int, started: datetime, load: tuple) -> str:
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("streamlit", "plotly", "playwright"))
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"# First look at 总览: {started:%Y-%m-%d %H:%M}", "",
             f"- machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}; {chromium}",
             f"- {versions}; demo year, local mode, warm server; median of {runs} visit(s), bytes from one more",
             f"- load average {load[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end",
             "- command: `python bench/first_look.py`", "",
             "| serving | cache | status line | first card | all cards | first chart | cards before chart "
             "| downloaded | requests | target (first card) | met |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---|---|"]
    for serving, by_cache in results.items():
        for cache in ("empty", "cached"):
            rows, counted = by_cache[cache], by_cache["counted"][cache]
            card = median(rows, "card")
            target = TARGETS[f"card_{cache}"]
            if serving == BASELINE:  # the floor: no chart, no target
                chart = before = "—"
                goal = met = "—"
            else:
                chart = f"{median(rows, 'chart'):.2f} s"
                before = "yes" if all(r["cards"] <= r["chart"] and r["status"] <= r["chart"] for r in rows) else "**no**"
                goal, met = f"≤ {target} s", "yes" if card <= target else "**no**"
            lines.append(
                f"| {serving} | {'empty' if cache == 'empty' else 'cached (reload)'} | {median(rows, 'status'):.2f} s "
                f"| {card:.2f} s | {median(rows, 'cards'):.2f} s | {chart} | {before} "
                f"| {counted['bytes'] / 1e6:.2f} MB | {counted['requests']} | {goal} | {met} |")
    return "\n".join(lines) + "\n"


def run(runs: int) -> dict[str, dict]:
    """Every target's visits (``measure``): the app direct, behind nginx (when installed) and the
    baseline, on a fresh temporary database, servers stopped afterwards."""
    from playwright.sync_api import sync_playwright

    procs = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        try:
            app, app_port, cards = start_app(tmp)
            procs.append(app)
            targets = {"streamlit (direct)": f"http://127.0.0.1:{app_port}/"}
            proxy = start_nginx(app_port, tmp)
            if proxy:
                procs.append(proxy[0])
                targets["nginx, gzip (deploy/nginx.conf)"] = f"http://127.0.0.1:{proxy[1]}/"
            baseline, baseline_port = start_baseline(tmp)
            procs.append(baseline)
            targets[BASELINE] = f"http://127.0.0.1:{baseline_port}/"
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    warm = browser.new_context()
                    warm.add_init_script(MARKS_SCRIPT)
                    for name, url in targets.items():  # a warm server: caches filled, modules imported
                        visit(warm.new_page(), url, 1 if name == BASELINE else cards, chart=name != BASELINE)
                    warm.close()
                    return measure(browser, targets, cards, runs)
                finally:
                    browser.close()
        finally:
            for proc in reversed(procs):
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--quick", action="store_true", help="one run; writes nothing unless --out")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    out = args.out or (None if args.quick else OUT)
    started, load = datetime.now(), os.getloadavg()
    text = table(run(runs), runs, started, load)
    print(text)
    if out:
        out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
