"""The leadership view in a real browser (Playwright, Debian's Chromium), on the demo year with
sign-in on: a link with ?year=&as_of= opens that view through the sign-in and a reload keeps both
the view and the sign-in; the status line's counts equal the metrics; a card's 明细 lists as many
rows as the card counts; no page scrolls sideways at 390, 1440 or 1920 px (nor at 360, 768, 1024
and 1280); 大屏 hides the sidebar and stays in the address; the printed 总览 is at most two A4 pages without the sidebar; sign-out
ends the kept sign-in; no page shows Streamlit's English (or any ASCII word that is not the app's
own or the data's), the data grid's tooltips included. Screenshots of every page and viewport, and the PDF, go to
``test-artifacts/leadership/`` (git-ignored; CI keeps them as artifacts).

No timing is asserted: every wait is for an element, with generous timeouts only as hang guards.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from data import texts
from data.demo import DEMO_USER, DEMO_YEAR, load_demo
from data.settings import load_settings
from data.store import Store
from metrics import glance
from metrics.compliance import compliance
from metrics.progress import progress_table
from metrics.states import Status
from ui import style
from tests.test_browser import (CHROMIUM, CHROMIUM_ARGS, EDITOR, EDITOR_PASSWORD, ROOT, STEP_TIMEOUT_MS, idle,
                                server, sync_playwright)

__all__ = ["server", "sync_playwright"]  # fixtures used by name below

ARTIFACTS = ROOT / "test-artifacts" / "leadership"
AS_OF = dt.date(DEMO_YEAR, 6, 30)
VIEWPORTS = {390: 844, 1440: 900, 1920: 1080}
OTHER_VIEWPORTS = [(360, 740), (768, 1024), (1024, 768), (1280, 720)]
# Every page an editor reaches, by its address.
PAGES = {"overview": "", "study": "study", "inspections": "inspections", "volunteer": "volunteer",
         "summary": "summary", "upload": "upload", "query": "query", "targets": "targets"}
MAX_SHOT_HEIGHT = 9000
COUNT_INDICATOR = ("study.collective", "集中学习次数")  # counted in rows: its rows equal its value


def expected(db_url: str, year: int, as_of: dt.date) -> tuple[str, dict]:
    """The status line and the banded progress table from the metrics, as the page should show them."""
    frames = Store(db_url, branch=load_settings().branch).frames([year - 1, year])
    table = glance.with_tolerance(progress_table(frames, year, as_of), load_settings().tolerance_pp)
    result = glance.with_uploads(compliance(frames, year, as_of), frames)
    return glance.status_line(table, result), table.set_index("key").to_dict("index")


def wait_ready(page) -> None:
    """The app has connected and its script run is over."""
    page.locator('[data-testid="stApp"]').wait_for(timeout=4 * STEP_TIMEOUT_MS)
    idle(page)


def laid_out(page, url: str) -> None:
    """Open ``url``: its heading drawn, the script run over, the charts laid out."""
    page.goto(url)
    page.get_by_test_id("stHeading").first.wait_for(timeout=2 * STEP_TIMEOUT_MS)
    wait_ready(page)
    page.wait_for_timeout(300)  # charts lay out after the run; not an assertion


def shoot(page, name: str) -> None:
    """The whole page (Streamlit scrolls inside its main block: the viewport is made that tall)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), MAX_SHOT_HEIGHT)})
    page.wait_for_timeout(500)  # let charts redraw at the new size; not an assertion
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def overflow(page) -> dict:
    """How far the page, or its main block, is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("""() => {
        const root = document.documentElement, main = document.querySelector('[data-testid="stMain"]');
        return {page: root.scrollWidth - root.clientWidth, main: main.scrollWidth - main.clientWidth};
    }""")


def sign_in(page) -> None:
    page.get_by_label(texts.SIGNIN_NAME).fill(EDITOR, timeout=4 * STEP_TIMEOUT_MS)  # cold start
    page.get_by_label(texts.SIGNIN_PASSWORD, exact=True).fill(EDITOR_PASSWORD)
    page.get_by_role("button", name=texts.SIGNIN_BUTTON).click()


def subtitle(year: int, as_of: dt.date) -> str:
    return texts.BOARD_SUBTITLE.format(year=year, as_of=texts.long_date(as_of))


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF Chromium wrote (its page objects are plain dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


# What a person (or a screen reader) meets on a page: text that is drawn (not hidden, not font-size 0,
# not a Material icon's ligature name), and labels, tooltips and placeholders; data shown as data
# (tables, plain text, charts' SVG) is left out: it is the registers' own words.
SHOWN_WORDS = """() => {
  const out = [], DATA = 'script, style, svg, [data-testid="stIconMaterial"], [data-testid="stDataFrame"], '
    + '[data-testid="stTable"], [data-testid="stText"], [data-testid="stCode"]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement, text = node.nodeValue.trim();
    if (!text || !parent || parent.closest(DATA) || !parent.getClientRects().length) continue;
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden' || parseFloat(style.fontSize) === 0) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], [data-title]'))
    for (const name of ['title', 'aria-label', 'placeholder', 'data-title'])
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
  for (const el of document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *'))
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(el, pseudo).content;
      if (content && content !== 'none' && content !== 'normal' && parseFloat(getComputedStyle(el, pseudo).fontSize))
        out.push(content);
    }
  return out;
}"""
# Streamlit's own English this app must never show (the phrases ui.head's script and ui.style replace).
STREAMLIT_ENGLISH = (*texts.UI_STREAMLIT_WORDS, "Drag and drop", "Browse files", "per file", "Upload", "Choose",
                     "Page not found", "yyyy", "mm/dd", "None", "Running", "Download", "Help for")
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def our_words() -> set[str]:
    """ASCII words the app's own texts use on purpose (Word, WPS, PDF, xlsx, MB, indicator keys...),
    and the data's (the demo import's operator): everything else in ASCII is someone else's English."""
    own = [s for name, value in vars(texts).items() if not name.startswith("UI_STREAMLIT") for s in _strings(value)]
    own += _strings(list(texts.UI_STREAMLIT_WORDS.values()))  # the Chinese for Streamlit's words (CSV, PNG)
    return {w.lower() for s in own + [DEMO_USER, EDITOR] for w in ASCII_WORD.findall(s)}


def english(page) -> list[str]:
    """Streamlit's English, or any other ASCII word that is not the app's own, the page shows."""
    allowed, found = our_words(), []
    for shown in page.evaluate(SHOWN_WORDS):
        shown = shown.replace("\u2060", "")
        if any(re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![a-z])", shown) for p in STREAMLIT_ENGLISH):
            found.append(shown)
        elif any(w.lower() not in allowed for w in ASCII_WORD.findall(shown)):
            found.append(shown)
    return sorted(set(found))


def hover_table_toolbar(page) -> list[str]:
    """Hover the first visible data grid and each button of its toolbar; the English any tooltip shows."""
    grid = next((g for g in page.get_by_test_id("stDataFrame").all() if g.is_visible()), None)
    if grid is None:
        return []
    grid.hover()
    found = []
    element = grid.locator("xpath=ancestor::*[@data-testid='stElementContainer'][1]")
    toolbar = element.get_by_test_id("stElementToolbar").locator("button")
    toolbar.first.wait_for()
    for i in range(toolbar.count()):
        if toolbar.nth(i).is_visible():
            toolbar.nth(i).hover()
            page.get_by_test_id("stTooltipContent").first.wait_for()
            found += english(page)
    return found


def test_leadership_view_in_chromium(sync_playwright, server):
    base, db_url = server
    outcome = load_demo(Store(db_url, branch=load_settings().branch))
    assert not outcome.rejected
    line, table = expected(db_url, DEMO_YEAR, AS_OF)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        context.set_default_timeout(STEP_TIMEOUT_MS)
        page = context.new_page()
        try:
            # A link with the view in it: the sign-in form first, then that very view.
            page.goto(f"{base}/?year={DEMO_YEAR}&as_of={AS_OF.isoformat()}", timeout=4 * STEP_TIMEOUT_MS)
            sign_in(page)
            page.get_by_text(subtitle(DEMO_YEAR, AS_OF)).wait_for(timeout=2 * STEP_TIMEOUT_MS)
            wait_ready(page)
            assert f"year={DEMO_YEAR}" in page.url and f"as_of={AS_OF.isoformat()}" in page.url

            # The status line says what the metrics say.
            status = page.locator(".st-key-keep-status")
            assert status.inner_text().strip() == line
            assert Status.BEHIND.label in line  # the demo year is behind in June somewhere

            # A reload keeps the sign-in (server-side session, cookie) and the view (the address).
            page.reload()
            page.get_by_text(subtitle(DEMO_YEAR, AS_OF)).wait_for(timeout=2 * STEP_TIMEOUT_MS)
            wait_ready(page)
            assert page.get_by_label(texts.SIGNIN_PASSWORD, exact=True).count() == 0
            assert page.locator(".st-key-keep-status").inner_text().strip() == line

            # Every number opens its rows: a card counted in rows lists exactly that many.
            key, name = COUNT_INDICATOR
            value = int(table[key]["value"])
            page.locator(".st-key-noprint-rows-" + key.replace(".", "-") + " button").click()
            dialog = page.get_by_role("dialog")
            dialog.wait_for()
            counted = texts.GLANCE_ROWS_COUNT.format(rows=value, register="学习教育")
            dialog.get_by_text(counted).wait_for()
            grid = dialog.get_by_test_id("stDataFrame").last.locator("[role=grid]")
            assert int(grid.get_attribute("aria-rowcount")) == value + 1  # the header row, then the rows
            dialog.get_by_test_id("stDownloadButton").wait_for()  # the rows can be downloaded
            shoot(page, "drill-down")
            page.keyboard.press("Escape")
            dialog.wait_for(state="detached")

            # Phone, desktop, projector: no page scrolls sideways; screenshots of each. The phone is a
            # browser of its own, signed in anew, with a desktop User-Agent: the phone layout (small
            # multiples two to a row, the wrapped error table) follows the width alone.
            phone = browser.new_context(viewport={"width": 390, "height": VIEWPORTS[390]}, locale="zh-CN")
            phone.set_default_timeout(STEP_TIMEOUT_MS)
            try:
                on_phone = phone.new_page()
                # A link to a page other than 总览, opened signed out: the sign-in form (no English
                # "Page not found"), then that page with the link's view.
                on_phone.goto(f"{base}/volunteer?year={DEMO_YEAR}&as_of={AS_OF.isoformat()}",
                              timeout=4 * STEP_TIMEOUT_MS)
                on_phone.get_by_label(texts.SIGNIN_PASSWORD, exact=True).wait_for(timeout=4 * STEP_TIMEOUT_MS)
                assert english(on_phone) == [], "sign-in form"
                sign_in(on_phone)
                on_phone.get_by_role("heading", name=texts.PAGE_VOLUNTEER).wait_for(timeout=2 * STEP_TIMEOUT_MS)
                wait_ready(on_phone)
                assert on_phone.get_by_text("Page not found").count() == 0
                assert "/volunteer" in on_phone.url and f"year={DEMO_YEAR}" in on_phone.url
                on_phone.goto(f"{base}/overview?year={DEMO_YEAR}&as_of={AS_OF.isoformat()}")  # 总览 by its name
                on_phone.get_by_text(subtitle(DEMO_YEAR, AS_OF)).wait_for(timeout=2 * STEP_TIMEOUT_MS)
                assert on_phone.get_by_text("Page not found").count() == 0
                for width, height in VIEWPORTS.items():
                    tab = on_phone if width == 390 else page
                    tab.set_viewport_size({"width": width, "height": height})
                    for name_, path in PAGES.items():
                        laid_out(tab, f"{base}/{path}?year={DEMO_YEAR}&as_of={AS_OF.isoformat()}")
                        assert overflow(tab) == {"page": 0, "main": 0}, (width, name_)
                        assert english(tab) == [], (width, name_)
                        shoot(tab, f"{width}-{name_}")
                        if width == 1440 and name_ in ("overview", "query"):  # the data grid's tooltips
                            assert hover_table_toolbar(tab) == [], name_
                        if width == 1440 and name_ == "query":  # a calendar, a list with nothing found
                            tab.get_by_test_id("stDateInputCalendarButton").first.click()
                            tab.get_by_role("dialog").or_(tab.get_by_role("grid")).first.wait_for()
                            assert english(tab) == [], "calendar"
                            tab.keyboard.press("Escape")
                            tab.get_by_test_id("stMultiSelect").first.click()
                            tab.keyboard.type("zzzz")
                            tab.get_by_role("listbox").wait_for()
                            assert english(tab) == [], "multiselect"
                            tab.keyboard.press("Escape")
                        if name_ == "study":  # the small multiples' layout chosen by the width
                            wide = tab.locator(f'[class*="st-key-{style.WIDE_PREFIX}"]').first
                            narrow = tab.locator(f'[class*="st-key-{style.PHONE_PREFIX}"]').first
                            assert (wide.is_visible(), narrow.is_visible()) == (width > 390, width == 390), width
                        if width == 390 and name_ == "overview":
                            # Two cards to a row on a phone, the filters at the top of the page.
                            cards = [c.bounding_box() for c in tab.locator('[class*="st-key-keep-card"]').all()[:2]]
                            assert cards[0]["y"] == pytest.approx(cards[1]["y"], abs=2)
                            assert cards[0]["width"] < width / 2
                            assert tab.get_by_test_id("stSelectbox").first.bounding_box()["y"] < cards[0]["y"]
                            assert tab.locator(".st-key-noprint-toolbar").is_visible()
                # Other devices than the three above (a small Android phone, a tablet both ways, a 720p
                # projector): no page scrolls sideways either.
                for width, height in OTHER_VIEWPORTS:
                    on_phone.set_viewport_size({"width": width, "height": height})
                    for name_, path in PAGES.items():
                        laid_out(on_phone, f"{base}/{path}?year={DEMO_YEAR}&as_of={AS_OF.isoformat()}")
                        assert overflow(on_phone) == {"page": 0, "main": 0}, (width, name_)
            finally:
                phone.close()

            # 大屏: the sidebar is hidden and the switch is kept in the address.
            page.set_viewport_size({"width": 1920, "height": 1080})
            page.goto(f"{base}/?year={DEMO_YEAR}&as_of={AS_OF.isoformat()}&screen=1")
            page.get_by_text(subtitle(DEMO_YEAR, AS_OF)).wait_for()
            wait_ready(page)
            assert not page.get_by_test_id("stSidebar").is_visible()
            assert "screen=1" in page.url
            assert overflow(page) == {"page": 0, "main": 0}
            shoot(page, "1920-big-screen")

            # Paper: at most two A4 landscape pages, no sidebar, no toolbar.
            page.set_viewport_size({"width": 1440, "height": 900})
            page.goto(f"{base}/?year={DEMO_YEAR}&as_of={AS_OF.isoformat()}")
            page.get_by_text(subtitle(DEMO_YEAR, AS_OF)).wait_for()
            wait_ready(page)
            # The print button opens the browser's print dialog (stubbed here: headless has none).
            page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
            page.locator("button.dj-print").click()
            assert page.evaluate("() => window.__printed") == 1
            page.emulate_media(media="print")
            hidden = page.evaluate("""() => ['stSidebar', 'stHeader'].map(id =>
                getComputedStyle(document.querySelector(`[data-testid="${id}"]`)).display)""")
            assert hidden == ["none", "none"]
            assert page.locator(".st-key-noprint-toolbar").evaluate("e => getComputedStyle(e).display") == "none"
            pdf = page.pdf(prefer_css_page_size=True, print_background=True)
            (ARTIFACTS / "overview.pdf").write_bytes(pdf)
            assert 1 <= pdf_pages(pdf) <= 2
            page.emulate_media(media="screen")

            # Sign-out ends the kept sign-in: a reload asks for the password again.
            page.get_by_role("button", name=texts.SIGNOUT_BUTTON).click()
            page.get_by_label(texts.SIGNIN_PASSWORD, exact=True).wait_for()
            page.reload()
            page.get_by_label(texts.SIGNIN_PASSWORD, exact=True).wait_for(timeout=2 * STEP_TIMEOUT_MS)
        except Exception:
            shoot(page, "failure")
            raise
        finally:
            browser.close()
