"""The QA report (OUT/report.html) on real extraction output: written by every `extract` run and by
`disclosure report OUT`, opened offline in Debian chromium, its numbers and drawn boxes checked against the
documents, a screenshot saved and looked at; a missing source said plainly; reruns render nothing twice.

Set DISCLOSURE_REPORT_SCREENSHOT=docs/report-screenshot.png to refresh the screenshot in the docs.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import copy_out
from pipeline.cli import main

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
S02, S04 = "s02_jincheng_rs_2024_skew200.pdf", "s04_health_2023_digital.pdf"


def _source_folder(out: Path) -> Path:
    import json

    return Path(json.loads((out / f"{S04}.json").read_text(encoding="utf-8"))["source"]["file"]).parent


@pytest.fixture(scope="module")
def report_out(extracted_samples, tmp_path_factory):
    """A batch as an archivist meets it: two documents extracted earlier (up to date now), a reviewer's
    correction that breaks identities of s04, and a truncated PDF that fails — then `extract` again."""
    from pipeline.review.corrections import apply_corrections
    from pipeline.review.store import ReviewStore

    base = tmp_path_factory.mktemp("report")
    out = copy_out(extracted_samples, base / "out")
    store = ReviewStore.for_output(out)
    s04 = next(d for d in apply_corrections(out, store) if d.name == S04)
    table = s04.machine.tables[0]
    cell = table.rows[0].cells[2]  # 公开01表, 一般公共预算财政拨款收入
    assert cell.value is not None
    store.record(s04.key_of(0, 0, 2), cell.text, f"{cell.value + 1000:,.2f}", reviewer="审核员")
    bad = base / "more" / "broken.pdf"
    bad.parent.mkdir()
    bad.write_bytes((_source_folder(out) / S04).read_bytes()[:5000])
    assert main(["extract", str(_source_folder(out)), str(bad), "-o", str(out), "-q"]) == 1
    return out


def _expected(out: Path):
    """What the report must show, from the documents as the review/export read them (corrections applied)."""
    from pipeline.batch import JobResult, document_facts
    from pipeline.review.corrections import apply_corrections
    from pipeline.review.store import ReviewStore

    docs = {d.name: d.document for d in apply_corrections(out, ReviewStore.for_output(out))}
    facts = {name: document_facts(doc.to_dict(), JobResult(name, "ok")) for name, doc in docs.items()}
    return docs, facts


def test_extract_writes_the_report_with_every_document_and_failure(report_out):
    html = (report_out / "report.html").read_text(encoding="utf-8")
    docs, facts = _expected(report_out)
    rows = re.findall(r'<tr class="doc" data-status="(\w+)" data-name="([^"]+)"', html)
    assert sorted(name for _, name in rows) == sorted([S02, S04, "broken.pdf"])
    status = dict((name, s) for s, name in rows)
    assert status["broken.pdf"] == "failed"
    for name in (S02, S04):
        assert status[name] == ("warnings" if facts[name].verdict == "ok with warnings" else "ok")
    assert facts[S04].failing_checks > 0 and facts[S02].repairs > 0
    # offline: nothing fetched from anywhere; the pages and thumbnails are files under OUT/report
    for page in [report_out / "report.html", *sorted((report_out / "report").glob("*.html"))]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', text), page
    thumbs = sorted((report_out / "report" / "img").glob("*.jpg"))
    assert len(thumbs) == sum(doc.page_count for doc in docs.values()) == 19
    assert all(p.read_bytes()[:3] == b"\xff\xd8\xff" for p in thumbs)


def test_report_in_chromium_offline_matches_the_documents(report_out, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium absent")
    sync_api = pytest.importorskip("playwright.sync_api")
    import cv2
    import numpy as np

    docs, facts = _expected(report_out)
    outside, failed, errors = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
            context.route(re.compile(r"^(?!file:)"), lambda route: (outside.append(route.request.url), route.abort()))
            page = context.new_page()
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto((report_out / "report.html").as_uri())
            assert page.locator("tr.doc").count() == 3
            assert page.locator('tr.doc[data-status="failed"]').count() == 1
            # the batch histogram counts every cell of the documents
            bars = [int(b.get_attribute("data-count")) for b in page.locator("svg.histogram rect.bar").all()]
            assert sum(bars) == sum(len(r.cells) for d in docs.values() for t in d.tables for r in t.rows)
            # the failed filter shows only the failure
            page.locator('.filters button[data-status="failed"]').click()
            assert [r.get_attribute("data-name") for r in page.locator("tr.doc:visible").all()] == ["broken.pdf"]
            page.locator('.filters button[data-status="all"]').click()
            page.screenshot(path=str(tmp_path / "index.png"), full_page=True)

            page.locator(f'tr.doc[data-name="{S04}"] a').click()
            page.wait_for_load_state("load")
            doc = docs[S04]
            assert page.locator("tr.check.fail").count() == facts[S04].failing_checks
            assert page.locator("tr.check.pass").count() == len(doc.checks) - facts[S04].failing_checks
            figures = page.locator("figure.page")
            assert figures.count() == doc.page_count
            flagged_pages = []
            for info in doc.pages:
                fig = page.locator(f'figure.page[data-page="{info.number}"]')
                on_page = [c for t in doc.tables for r in t.rows if r.page == info.number for c in r.cells
                           if c.bbox is not None]
                assert fig.locator("rect.cell").count() == len(on_page), info.number
                assert fig.locator("rect.flag").count() == sum(c.review for c in on_page), info.number
                fig.scroll_into_view_if_needed()  # thumbnails load lazily
                page.wait_for_function("i => i.complete && i.naturalWidth > 100",
                                       arg=fig.locator("img").element_handle())
                if any(c.review for c in on_page):
                    flagged_pages.append(info.number)
            assert flagged_pages, "the correction leaves cells of failing identities flagged"
            bars = [int(b.get_attribute("data-count")) for b in page.locator("svg.histogram rect.bar").all()]
            assert sum(bars) == sum(len(r.cells) for t in doc.tables for r in t.rows)
            shot = tmp_path / "document.png"
            page.screenshot(path=str(shot), full_page=True)
            flagged_fig = page.locator(f'figure.page[data-page="{flagged_pages[0]}"]')
            flagged_fig.scroll_into_view_if_needed()
            flagged_fig.screenshot(path=str(tmp_path / "flagged.png"))
            clean = next((i.number for i in doc.pages if i.number not in flagged_pages), None)
            if clean is not None:
                page.locator(f'figure.page[data-page="{clean}"]').screenshot(path=str(tmp_path / "clean.png"))
            if os.environ.get("DISCLOSURE_REPORT_SCREENSHOT"):  # the document page as it opens, for the docs
                page.set_viewport_size({"width": 1400, "height": 1550})
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=os.environ["DISCLOSURE_REPORT_SCREENSHOT"])
        finally:
            browser.close()
    assert not outside and not failed and not errors, (outside, failed, errors)

    def amber(path: Path) -> int:
        """Pixels of the flagged-cell fill (a yellow the born-digital s04 page has nowhere else)."""
        img = cv2.imread(str(path)).astype(int)
        b, g, r = img[..., 0], img[..., 1], img[..., 2]
        return int(np.count_nonzero((r > 230) & (g > 190) & (g < 240) & (b < 160)))

    for name, width in (("index.png", 1400), ("document.png", 1400), ("flagged.png", 250)):
        img = cv2.imread(str(tmp_path / name))
        assert img is not None and img.shape[1] >= width and img.std() > 10, name
    assert amber(tmp_path / "flagged.png") > 50
    if clean is not None:
        assert amber(tmp_path / "clean.png") == 0


def test_missing_source_is_said_and_reruns_render_nothing_twice(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "samples" / S04, src / "health.pdf")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    assert len(list((out / "report" / "img").glob("*.jpg"))) == 12
    assert main(["report", str(out)]) == 0
    assert "0 page(s) rebuilt, 0 thumbnail(s) rendered" in capsys.readouterr().out

    # the inputs move away and the report is rebuilt from scratch: no images, said plainly, grids drawn
    shutil.rmtree(out / "report")
    (src / "health.pdf").rename(tmp_path / "health.pdf")
    assert main(["report", str(out)]) == 0
    page = (out / "report" / "health.pdf.html").read_text(encoding="utf-8")
    assert 'id="source-note"' in page and "找不到原件" in page and str(src / "health.pdf") in page
    assert "<img" not in page and page.count('class="sheet blank"') == 12
    assert page.count('<rect class="cell"') > 1000

    # back in place: the next report renders the pages and the note is gone
    (tmp_path / "health.pdf").rename(src / "health.pdf")
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert "1 page(s) rebuilt, 12 thumbnail(s) rendered" in capsys.readouterr().out
    page = (out / "report" / "health.pdf.html").read_text(encoding="utf-8")
    assert 'id="source-note"' not in page and page.count("<img") == 12


def test_a_bad_output_file_is_listed_and_the_report_still_written(extracted_samples, tmp_path, capsys):
    out = copy_out(extracted_samples, tmp_path / "out")
    (out / "broken.pdf.json").write_text('{"schema": "disclosure.document/1", "tables": [', encoding="utf-8")
    assert main(["report", str(out)]) == 1
    captured = capsys.readouterr()
    assert "broken.pdf.json" in captured.err
    html = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<tr class="doc" data-status="failed" data-name="broken.pdf"', html)
    assert html.count('<tr class="doc"') == 3


def test_a_non_utf8_file_name_gets_a_page_and_a_working_link(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "samples" / S04, src / os.fsdecode(b"caf\xe9.pdf"))
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    link = re.search(r'<a href="(report/[^"]+)">caf\\xe9\.pdf</a>', html)
    assert link and (out / link.group(1)).is_file()
    page = (out / link.group(1)).read_text(encoding="utf-8")  # its source found under its real name
    assert page.count("<img") == 12 and "source-note" not in page
    capsys.readouterr()
    assert main(["report", str(out)]) == 0  # the cache holds the name as it is: nothing to rebuild
    assert "0 page(s) rebuilt" in capsys.readouterr().out


def test_thumbnails_of_a_turned_page_are_in_the_frame_of_its_boxes(tmp_path):
    """A PDF whose pages carry /Rotate 270 (displayed sideways): its boxes are in the upright frame, and so
    are its thumbnails — the same images as the upright document's."""
    import cv2
    import numpy as np

    from tests.test_ingest import rotated_pdf

    src = tmp_path / "in"
    src.mkdir()
    upright = Path(__file__).resolve().parents[1] / "samples" / S04
    shutil.copy(upright, src / "upright.pdf")
    rotated_pdf(upright, src / "turned.pdf", 270, content=False)
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    pages = {}
    for name in ("upright", "turned"):
        html = (out / "report" / f"{name}.pdf.html").read_text(encoding="utf-8")
        assert "source-note" not in html
        pages[name] = re.findall(r'<img src="([^"]+)"', html)
    assert len(pages["upright"]) == len(pages["turned"]) == 12
    for a, b in zip(pages["upright"], pages["turned"]):
        x = cv2.imread(str(out / "report" / a)).astype(int)
        y = cv2.imread(str(out / "report" / b)).astype(int)
        assert x.shape == y.shape
        assert (np.abs(x - y) > 80).mean() < 0.01
