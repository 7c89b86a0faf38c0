"""The one style sheet (ui.style.css): Chinese in place of Streamlit's English, print and 大屏 rules."""

from data import texts
from ui import style


def test_uploader_and_date_fields_in_chinese():
    css = style.css(max_upload_mb=10)
    assert f'content: "{texts.UI_UPLOAD_BUTTON}"' in css
    assert f'content: "{texts.UI_UPLOAD_LIMIT.format(mb=10)}"' in css
    for word in (texts.UI_DATE_YEAR, texts.UI_DATE_MONTH, texts.UI_DATE_DAY):
        assert f'content: "{word}"' in css


def test_print_is_a4_landscape_without_the_sidebar():
    css = style.css()
    assert "@page { size: A4 landscape;" in css
    start = css.index("@media print")
    assert '[data-testid="stSidebar"]' in css[start:css.index("display: none", start)]
    assert f'[class*="st-key-{style.NO_PRINT_PREFIX}"]' in css[start:]


def test_big_screen_rules_only_when_on():
    marker = '[data-testid="stMetricValue"] { font-size: 2.8rem; }'
    assert marker not in style.css()
    big = style.css(big_screen=True)
    assert marker in big and '[data-testid="stSidebar"]' in big[big.index("@media print"):] + big[-1500:]


def test_quotes_are_escaped():
    assert style._quote('a"b\\c') == '"a\\"b\\\\c"'


def test_the_phone_layout_follows_the_width_not_the_user_agent():
    """``by_width``'s two containers: the phone one hidden by default, shown (and the wide one
    hidden) at phone width; nothing in ui.style reads the User-Agent any more."""
    css = style.css()
    phone = css[css.index(f"@media (max-width: {style.PHONE_MAX_PX}px)"):]
    phone = phone[:phone.index("\n}\n")]
    assert f'[class*="st-key-{style.PHONE_PREFIX}"] {{ display: none !important; }}' in css.split("@media")[0]
    assert f'[class*="st-key-{style.WIDE_PREFIX}"] {{ display: none !important; }}' in phone
    assert f'[class*="st-key-{style.PHONE_PREFIX}"] {{ display: flex !important; }}' in phone
    assert not hasattr(style, "narrow")
