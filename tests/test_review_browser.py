"""End to end in Debian chromium: correct a flagged cell by keyboard, watch its identities turn green and the
covered cells leave the queue, restart the server, the correction is still there, the export shows it.

Set DISCLOSURE_SCREENSHOT=docs/review-screenshot.png to refresh the screenshot in the docs.
"""
from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from test_review_store import build_review_out

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
SERVER = """
import argparse, sys
from pipeline.review.commands import register
parser = argparse.ArgumentParser()
register(parser.add_subparsers(dest="command"))
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, out: Path, reviewer: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, "review", str(out), "--port", str(self.port),
                                      "--reviewer", reviewer], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "api/documents", timeout=2).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.proc.stdout.read().decode())
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("review server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture()
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium absent")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


def test_keyboard_correction_turns_identities_green_and_persists(browser, tmp_path):
    out = build_review_out(tmp_path / "out")
    server = Server(out, "审核员甲")
    try:
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page.goto(server.url)
        page.wait_for_selector(".q.active")
        assert page.locator("#row-label").inner_text() == "行政运行"
        assert page.locator("#column-label").inner_text() == "基本支出"
        assert page.locator("#value").input_value() == "1,508.52"
        assert "识别置信度低" in page.locator("#reasons").inner_text()
        assert page.locator("#checks li.check.fail").count() == 2
        page.wait_for_function("document.getElementById('crop').naturalWidth > 0")
        queue_before = page.locator(".q").count()
        covered = page.eval_on_selector_all(
            "#checks li.check", "els => els.flatMap(e => JSON.parse(e.dataset.check)[2].map(c => c[1] + ':' + c[2]))")

        # type the value, Enter accepts (the input is focused and its text selected)
        page.keyboard.type("1,503.52")
        page.keyboard.press("Enter")
        page.wait_for_selector("#resolved li.check.ok")
        assert page.locator("#resolved li.check.ok").count() == 2
        page.wait_for_function(f"document.querySelectorAll('.q').length < {queue_before}")
        keys = page.eval_on_selector_all(".q", "els => els.map(e => e.dataset.key.split(':').slice(2).join(':'))")
        assert not set(covered) & set(keys), "cells of the identities that now hold left the queue"
        assert "人工复核 1" in page.locator("#progress-text").inner_text()
        shot = tmp_path / "review.png"
        page.screenshot(path=str(shot), full_page=False)
        if os.environ.get("DISCLOSURE_SCREENSHOT"):
            shutil.copy(shot, ROOT / os.environ["DISCLOSURE_SCREENSHOT"])

        # Tab moves on, "=" accepts the reading as is
        current = page.locator("#value").input_value()
        page.keyboard.press("Tab")
        page.keyboard.press("Shift+Tab")
        assert page.locator("#value").input_value() == current
        page.keyboard.press("=")
        page.wait_for_function("document.getElementById('progress-text').textContent.includes('人工复核 2')")
    finally:
        server.stop()

    server = Server(out, "审核员乙")  # restart: corrections come back from OUT/review.sqlite
    try:
        page = browser.new_page()
        page.goto(server.url)
        page.wait_for_selector(".q.active")
        assert "人工复核 2" in page.locator("#progress-text").inner_text()
        assert all(k.split(":")[2:] != ["2", "3"] for k in
                   page.eval_on_selector_all(".q", "els => els.map(e => e.dataset.key)"))
    finally:
        server.stop()

    from pipeline.exporting import export

    export(out, "csv", tmp_path / "csv")
    with open(tmp_path / "csv" / "long.csv", encoding="utf-8-sig") as f:
        cell = next(r for r in csv.DictReader(f) if r["code"] == "2010601" and r["column"] == "基本支出")
    assert (cell["text"], cell["reviewed"]) == ("1,503.52", "True")
