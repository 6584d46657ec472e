"""Review on real extraction output: `disclosure extract` on a committed scan (no ../shared needed), then
the review app's queue, a crop from the scanned page, a correction, re-validation and the export."""
from __future__ import annotations

import csv
import json
import re
import shutil

import pytest

from pipeline.cli import main
from tests.conftest import SAMPLES

fastapi_testclient = pytest.importorskip("fastapi.testclient")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    src = tmp_path_factory.mktemp("in")
    shutil.copy(SAMPLES / "s02_jincheng_rs_2024_skew200.pdf", src / "jincheng.pdf")
    out = tmp_path_factory.mktemp("out")
    assert main(["extract", str(src), "-o", str(out), "--quiet"]) == 0
    return out


def test_flagged_cell_corrected_and_exported(out, tmp_path):
    from pipeline.review.server import ServerSettings, create_app

    client = fastapi_testclient.TestClient(create_app(ServerSettings(out_dir=out, reviewer="审核员")),
                                           base_url="http://127.0.0.1")
    items = client.get("/api/queue").json()["items"]
    assert items, "a sealed, skewed scan leaves something for a reviewer"
    item = items[0]
    crop = client.get(f"/api/crop/{item['doc']}/{item['table']}/{item['row']}/{item['col']}.png")
    assert crop.status_code == 200 and crop.content[:8] == b"\x89PNG\r\n\x1a\n" and len(crop.content) > 2000
    # the reviewer's reading: the recogniser's runner-up, else the digits the reading shows (359.56上: a seal's
    # stroke read after the amount)
    new_text = item["alternatives"][0]["text"] if item.get("alternatives") else \
        re.sub(r"[^\d.,]", "", item["text"]) or "0.00"
    r = client.post("/api/correct", json={"doc": item["doc"], "table": item["table"], "row": item["row"],
                                          "col": item["col"], "text": new_text})
    assert r.status_code == 200
    remaining = client.get("/api/queue").json()["items"]
    assert not any((i["doc"], i["table"], i["row"], i["col"]) == (item["doc"], item["table"], item["row"], item["col"])
                   for i in remaining)
    # the correction survives a re-extraction and shows in the analysts' export
    src_json = json.loads((out / "jincheng.pdf.json").read_text(encoding="utf-8"))
    assert main(["extract", src_json["source"]["file"], "-o", str(out), "--quiet", "--force"]) == 0
    assert main(["export", str(out), "--format", "csv", "-o", str(tmp_path / "csv")]) == 0
    with open(tmp_path / "csv" / "long.csv", encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if r["reviewed"] == "True"]
    assert any(r["text"] == new_text for r in rows)
