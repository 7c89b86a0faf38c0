"""Word drafts (issue #13 point 2): checked like workbooks before parsing, filled in a sandboxed
child with CPU, memory, output and wall-clock limits; a hostile draft is one Chinese message and
the process stays responsive for other users meanwhile. Drafts are written by python-docx (as
Word stores them); the hostile parts are the reproductions of the issue."""

from __future__ import annotations

import io
import random
import threading
import time
import zipfile

import docx
import pytest

from data import safety, texts
from data.errors import RejectedFile
from data.importer import import_files
from data.report_docx import DRAFT_LIMITS, fill_template
from metrics.summary import summarize
from data.sandbox import SandboxFailed
from data.store import Store
from tests.helpers import ROOT

YEAR = 2025


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('drafts')}/d.db"
    store = Store(url, branch="测试支部")
    assert not import_files(store, sorted((ROOT / "data" / "samples").glob("*.xlsx")), user="t").rejected
    return summarize(store.frames(years=[YEAR - 1, YEAR]), YEAR, branch="测试支部")


def draft(*paragraphs: str) -> bytes:
    doc = docx.Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def with_document(data: bytes, document: bytes) -> bytes:
    """``data`` with word/document.xml replaced (deflated, as Word writes it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, document if info.filename == "word/document.xml" else src.read(info),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def expanded(data: bytes, size: int, text: str | None = None) -> bytes:
    """The draft's document.xml with one paragraph repeated until it is ``size`` bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml").decode()
    head, _, tail = xml.partition("<w:body>")
    para = f"<w:p><w:r><w:t>{text or '本年度开展集中学习{{study.collective}}次。'}</w:t></w:r></w:p>"
    body = para * (size // len(para.encode()) + 1)
    return with_document(data, (head + "<w:body>" + body + tail).encode())


NESTED_LOOPS = "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}"
OUTPUT_GROWTH = "{% for i in range(100000) %}{{ '党建台账' * 100000 }}{% endfor %}"


@pytest.mark.parametrize("text", [NESTED_LOOPS, OUTPUT_GROWTH])
def test_hostile_loops_stop_at_a_limit_with_one_message(summary, text):
    with pytest.raises(SandboxFailed) as err:
        fill_template(draft(text), summary, file_name="草稿.docx")
    assert err.value.reason in ("cpu", "memory", "output", "timeout")
    assert isinstance(err.value, RejectedFile) and err.value.message.startswith("草稿.docx ")
    assert err.value.message in (texts.SANDBOX_TIMEOUT.format(what="草稿.docx", seconds=int(DRAFT_LIMITS.seconds)),
                                 *(m.format(what="草稿.docx") for m in texts.SANDBOX_MESSAGES.values()))


def test_a_draft_expanding_to_120_mb_is_refused_before_parsing(summary):
    data = expanded(draft("x"), 120 * 2**20)
    assert len(data) < 2 * 2**20  # a small file
    with pytest.raises(RejectedFile) as err:
        safety.check_docx_bytes(data, "草稿.docx")
    assert err.value.code == "bomb" and "word/document.xml" in err.value.message
    with pytest.raises(RejectedFile) as err:
        fill_template(data, summary, file_name="草稿.docx")
    assert err.value.code == "bomb"


def test_a_rendered_part_past_its_bound_is_refused(summary):
    # Text that does not compress well: the ratio stays low, the part is 20 MB.
    rng = random.Random(5)
    text = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(4000))
    data = expanded(draft("x"), 20 * 2**20, text)
    with pytest.raises(RejectedFile) as err:
        fill_template(data, summary, file_name="草稿.docx")
    assert err.value.code == "bomb"
    assert texts.SAFETY_BOMB_PART.partition("{")[0] in err.value.message


def test_a_dtd_in_a_draft_is_refused(summary):
    data = draft("x")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml")
    xml = xml.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaa">]>', 1)
    with pytest.raises(RejectedFile) as err:
        fill_template(with_document(data, xml), summary, file_name="草稿.docx")
    assert err.value.message == texts.REPORT_TEMPLATE_UNSAFE.format(file="草稿.docx")


def test_a_utf16_custom_xml_item_in_a_draft_is_fine(summary):
    data = draft("支部：{{支部}}")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("customXml/item9.xml", b"\xff\xfe" + '<?xml version="1.0" encoding="utf-16"?><b/>'.encode("utf-16-le"))
    filled = fill_template(out.getvalue(), summary, file_name="草稿.docx")
    assert "测试支部" in "\n".join(p.text for p in docx.Document(io.BytesIO(filled.data)).paragraphs)


def test_the_process_stays_responsive_while_a_hostile_draft_fills(summary):
    outcome: dict[str, str] = {}

    def hostile():
        try:
            fill_template(draft(NESTED_LOOPS), summary, file_name="恶意.docx")
        except SandboxFailed as err:
            outcome["hostile"] = err.reason

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.5)
    # Meanwhile another user's fill completes, and this thread keeps computing.
    filled = fill_template(draft("本年度开展集中学习{{study.collective}}次。"), summary, file_name="正常.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(filled.data)).paragraphs)
    assert "{{" not in text and "本年度开展集中学习" in text
    assert thread.is_alive()  # the hostile fill is still running in its child
    thread.join(timeout=DRAFT_LIMITS.seconds + 60)
    assert not thread.is_alive() and outcome["hostile"] in ("cpu", "memory", "output", "timeout")
