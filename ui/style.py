"""The app's one style sheet, written into the page by ``ui.head.Head`` (the 大屏 rules, which
depend on the session, injected per run by app.py: ``inject``): the phone layout
(≤ 640 px: cards two to a row, smaller figures, nothing wider than the screen), the 大屏 mode for a
projector (larger type, no sidebar), print (A4 landscape, no sidebar or buttons, nothing split
across pages) and Chinese text where Streamlit has no option for it (the file uploader's button
and size limit). The texts come from ``data.texts``; ``css`` is a pure function, tested alone.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from data import texts

# Containers keyed with these names (``st.container(key=...)``) get the class ``st-key-<name>``.
CARDS_KEY = "glance-cards"      # the 总览 cards (a wrapping row): 4 to a line, 2 on a phone, 6 on paper
CARD_PREFIX = "keep-card"       # each card's key starts with this
NO_PRINT_PREFIX = "noprint"     # any container whose key starts with this is left off paper
KEEP_PREFIX = "keep"            # any container whose key starts with this is never split across pages
PHONE_MAX_PX = 640              # Streamlit stacks columns below this width too
WIDE_PREFIX, PHONE_PREFIX = "only-wide", "only-phone"  # ``by_width``: one shown above, one below it
# A 总览 card's name and value (``ui.glance.card``: its first element, markdown of two paragraphs).
FIGURE = f'[class*="st-key-{CARD_PREFIX}"] > [data-testid="stElementContainer"]:first-child'
NAME, VALUE = (f'{FIGURE} [data-testid="stMarkdownContainer"] p:first-child',
               f'{FIGURE} [data-testid="stMarkdownContainer"] p:last-child')
# A row of columns holding key figures (st.metric): two to a line on a phone instead of one.
FIGURES = '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])'


def _quote(text: str) -> str:
    """A CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _localise(max_upload_mb: int) -> str:
    """Chinese where Streamlit has English and no option: the file uploader's "Upload" button and
    "NMB per file • XLSX" line, and an empty date field's "yyyy-mm-dd". The English is hidden
    (font-size 0) and the Chinese put in its place with ``content``."""
    button = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
    limit = '[data-testid="stFileUploaderDropzoneInstructions"] span'
    empty = '[data-testid="stDateInput"] [data-placeholder="true"]'
    parts = "".join(f'{empty}[data-type="{kind}"]::after {{ content: {_quote(text)}; font-size: 0.875rem; }}\n'
                    for kind, text in (("year", texts.UI_DATE_YEAR), ("month", texts.UI_DATE_MONTH),
                                       ("day", texts.UI_DATE_DAY)))
    return f"""
{button}, {limit}, {empty} {{ font-size: 0 !important; }}
{button}::after {{ content: {_quote(texts.UI_UPLOAD_BUTTON)}; font-size: 0.875rem; }}
{limit}:first-child::after {{ content: {_quote(texts.UI_UPLOAD_LIMIT.format(mb=max_upload_mb))}; font-size: 0.875rem;
  white-space: normal; }}
{parts}"""


def _cards_per_line(n: int, gap: str = "0.5rem") -> str:
    """Each card a 1/n share of the cards' row (less the gaps)."""
    width = f"calc((100% - {n - 1} * {gap}) / {n})"
    return (f'.st-key-{CARDS_KEY} {{ flex-wrap: wrap !important; gap: {gap} !important; }}\n'
            f'.st-key-{CARDS_KEY} > div {{ flex: 0 0 {width} !important; '
            f'width: {width} !important; min-width: 0 !important; max-width: {width} !important; }}\n')


def _card() -> str:
    """A card's name and value laid out like ``st.metric`` (its help mark beside the name), its bar
    image as wide as the card."""
    return f"""{FIGURE} [data-testid="stMarkdown"] > div {{ align-items: flex-start; }}
{NAME} {{ font-size: 0.875rem; margin: 0 0 0.1rem 0; }}
{VALUE} {{ font-size: 2.25rem; line-height: 1.2; margin: 0; white-space: nowrap; }}
[class*="st-key-{CARD_PREFIX}"] img[src^="data:image/svg+xml"] {{ display: block; width: 100%; height: 18px; }}
"""


def _screen() -> str:
    return (_card() + _cards_per_line(4)
            + f'[class*="st-key-{PHONE_PREFIX}"] {{ display: none !important; }}\n')


def _phone() -> str:
    return f"""
@media (max-width: {PHONE_MAX_PX}px) {{
  [class*="st-key-{WIDE_PREFIX}"] {{ display: none !important; }}
  [class*="st-key-{PHONE_PREFIX}"] {{ display: flex !important; }}
  [data-testid="stMainBlockContainer"] {{ padding: 3.75rem 0.6rem 2rem 0.6rem; }}
  {_cards_per_line(2)}
  .st-key-{CARDS_KEY} [class*="st-key-{CARD_PREFIX}"] {{ padding: 0.6rem !important; }}
  {FIGURES} {{ flex-direction: row !important; flex-wrap: wrap !important; gap: 0.5rem !important; }}
  {FIGURES} > [data-testid="stColumn"] {{ flex: 0 0 calc(50% - 0.25rem) !important;
    width: calc(50% - 0.25rem) !important; min-width: 0 !important; }}
  [data-testid="stMetricValue"], {VALUE} {{ font-size: 1.45rem; }}
  {NAME} {{ font-size: 0.85rem; }}
  [data-testid="stHeading"] h1 {{ font-size: 1.6rem; }}
  [data-testid="stHeading"] h2 {{ font-size: 1.3rem; }}
  [data-testid="stMain"] .stPlotlyChart {{ overflow: hidden; }}
}}
"""


def _big_screen() -> str:
    """大屏: no sidebar, six cards to a line, every text about a third larger (charts: ``ui.glance.big_figure``)."""
    return _cards_per_line(6) + """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: none; padding: 2.5rem 3rem 2rem 3rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.3rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 1.1rem; }
[data-testid="stHeading"] h2 { font-size: 2.6rem; }
[data-testid="stHeading"] h3 { font-size: 2rem; }
[data-testid="stHeading"] h4, .st-key-keep-status h4 { font-size: 1.75rem; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem; }
[data-testid="stMetricValue"] { font-size: 2.8rem; }
[data-testid="stMetricValue"] p { font-size: inherit; }
""" + f"{NAME} {{ font-size: 1.2rem; }}\n{VALUE} {{ font-size: 2.8rem; }}\n"


def _print() -> str:
    keep = f'[class*="st-key-{KEEP_PREFIX}"], .stPlotlyChart, ' \
           '[data-testid="stTable"], [data-testid="stDataFrame"], [data-testid="stMetric"]'
    return f"""
@page {{ size: A4 landscape; margin: 9mm 10mm; }}
@media print {{
  html, body {{ font-size: 13px; }}
  [data-testid="stHeading"] h1 {{ font-size: 1.5rem; padding: 0; }}
  [data-testid="stHeading"] h3 {{ font-size: 1.15rem; padding: 0.3rem 0 0 0; }}
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"], [data-testid="stStatusWidget"],
  [class*="st-key-{NO_PRINT_PREFIX}"], .stButton, .stDownloadButton, [data-testid="stPageLink"],
  [data-testid="stElementToolbar"], .modebar-container, [data-testid="stChatInput"] {{ display: none !important; }}
  .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"] {{
    position: static !important; overflow: visible !important; height: auto !important; min-height: 0 !important; }}
  [data-testid="stMainBlockContainer"] {{ max-width: none !important; padding: 0 !important; }}
  [data-testid="stVerticalBlock"] {{ gap: 0.45rem !important; }}
  {_cards_per_line(6, "0.4rem")}
  .st-key-{CARDS_KEY} [class*="st-key-{CARD_PREFIX}"] {{ padding: 0.5rem !important; }}
  {VALUE} {{ font-size: 1.35rem; }}
  {keep} {{ break-inside: avoid; page-break-inside: avoid; }}
  .stPlotlyChart {{ break-before: auto; }}
  [data-testid="stHeading"] {{ break-after: avoid; page-break-after: avoid; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
}}
"""


def css(*, big_screen: bool = False, max_upload_mb: int = 10) -> str:
    """The whole style sheet: localisation, phone and print always; the 大屏 rules when on."""
    return _localise(max_upload_mb) + _screen() + _phone() + _print() + (_big_screen() if big_screen else "")


def by_width(name: str, wide: Callable[[], None], phone: Callable[[], None]) -> None:
    """Both layouts of what cannot reflow (small multiples, the error table), the style sheet
    showing one by the window's width (≤ ``PHONE_MAX_PX``: ``phone``), not by the User-Agent: a
    narrow desktop window or an in-app browser gets the phone layout too. ``name`` keys the two
    containers (unique on the page); on paper the wide one is printed."""
    with st.container(key=f"{WIDE_PREFIX}-{name}"):
        wide()
    with st.container(key=f"{PHONE_PREFIX}-{name}-{NO_PRINT_PREFIX}"):
        phone()


def chart_by_width(name: str, figure: Callable[[bool], object]) -> None:
    """A plotly chart that cannot reflow, laid out twice (``figure(narrow)``), shown by ``by_width``."""
    by_width(name, lambda: st.plotly_chart(figure(False), theme=None),
             lambda: st.plotly_chart(figure(True), theme=None))


def inject(*, big_screen: bool = False) -> None:
    """The 大屏 rules when on (a style-only ``st.html`` takes no space); the rest of the sheet is in
    the page already (``ui.head``), so nothing waits for ``st.html``'s code on a first visit."""
    if big_screen:
        st.html(f"<style>{_big_screen()}</style>")
