"""The review web app through FastAPI's TestClient: queue, correction, re-validation, crops, security."""
from __future__ import annotations

import json
import threading

import pytest

from test_review_store import build_review_out

fastapi_testclient = pytest.importorskip("fastapi.testclient")


@pytest.fixture()
def out(tmp_path):
    return build_review_out(tmp_path / "out")


def client_for(out, base_url="http://127.0.0.1", **kw):
    from pipeline.review.server import ServerSettings, create_app

    return fastapi_testclient.TestClient(create_app(ServerSettings(out_dir=out, reviewer="测试员", **kw)),
                                         base_url=base_url)


def test_queue_orders_by_impact_and_correction_turns_identities_green(out):
    client = client_for(out)
    docs = client.get("/api/documents").json()["documents"]
    assert len(docs) == 1 and docs[0]["name"] == "putuo/caizheng-2024.pdf"
    queue = client.get("/api/queue").json()
    items = queue["items"]
    assert items and all(items[i]["impact"] >= items[i + 1]["impact"] for i in range(len(items) - 1))
    first = items[0]
    # the misread 基本支出 of 行政运行 breaks two identities: it leads the queue
    assert (first["row_label"], first["column_label"], first["text"]) == ("行政运行", "基本支出", "1,508.52")
    assert first["impact"] == 2 and "识别置信度低" in first["reason_labels"]
    assert first["alternatives"][0]["text"] == "1,503.52"
    assert {c["expected"] for c in first["checks"]} | {c["actual"] for c in first["checks"]} >= {1508.52, 1503.52}
    before = queue["progress"]
    covered = {(c[1], c[2]) for chk in first["checks"] for c in chk["cells"]}
    assert len(covered) > 3

    r = client.post("/api/correct", json={"doc": first["doc"], "table": 0, "row": first["row"], "col": 3,
                                          "text": "1,503.52"})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["status"] == "recorded" and result["cell"]["text"] == "1,503.52"
    assert "corrected" in result["cell"]["reasons"] and result["cell"]["original"] == "1,508.52"
    assert len(result["turned_green"]) == 2 and all(c["ok"] for c in result["turned_green"])

    after = client.get("/api/queue").json()
    left = {(it["row"], it["col"]) for it in after["items"]}
    assert not covered & left, "cells of identities that now hold leave the queue"
    flagged_before = {(it["row"], it["col"]) for it in items}
    left_queue = flagged_before - left
    assert covered & flagged_before <= left_queue and len(covered & flagged_before) >= 4
    assert after["progress"]["done"] == before["done"] + len(left_queue)
    assert after["progress"]["reviewed"] == 1 and after["progress"]["flagged"] == before["flagged"]
    # the correction is in the store with its reviewer, and survives a new app over the same OUT
    fresh = client_for(out)
    again = fresh.get("/api/queue").json()
    assert {(it["row"], it["col"]) for it in again["items"]} == left
    corr = fresh.get("/api/corrections").json()["corrections"]
    assert [(c["reviewer"], c["old_text"], c["new_text"]) for c in corr] == [("测试员", "1,508.52", "1,503.52")]


def test_accept_as_is_confirms_the_reading(out):
    client = client_for(out)
    item = next(it for it in client.get("/api/queue").json()["items"] if it["text"] == "187.19")
    r = client.post("/api/correct", json={"doc": item["doc"], "table": 0, "row": item["row"], "col": item["col"],
                                          "accept": True}).json()
    assert r["cell"]["text"] == "187.19" and "confirmed" in r["cell"]["reasons"] and not r["cell"]["review"]
    # its identity still fails (the misread 258.80 is elsewhere): the confirmed cell stays, marked as reviewed
    again = next(it for it in client.get("/api/queue").json()["items"] if it["id"] == item["id"])
    assert again["reviewed"] == "confirmed" and again["impact"] == 1


def test_filters(out):
    client = client_for(out)
    all_items = client.get("/api/queue").json()["items"]
    low = client.get("/api/queue", params={"reason": "low_ocr"}).json()["items"]
    assert 0 < len(low) < len(all_items) and all("low_ocr" in it["reasons"] for it in low)
    assert client.get("/api/queue", params={"doc": "nope"}).json()["items"] == []
    assert len(client.get("/api/queue", params={"table": 0}).json()["items"]) == len(all_items)


def test_crop_shows_the_cell(out):
    import cv2
    import numpy as np

    client = client_for(out)
    item = client.get("/api/queue").json()["items"][0]
    r = client.get(f"/api/crop/{item['doc']}/{item['table']}/{item['row']}/{item['col']}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1] > 500 and 60 < image.shape[0] < 600
    red = (image[:, :, 2] > 200) & (image[:, :, 1] < 40) & (image[:, :, 0] < 40)
    assert red.sum() > 100, "the cell is boxed in red"
    assert client.get(f"/api/crop/{item['doc']}/0/999/0.png").status_code == 404


def test_path_traversal_and_unknown_ids_are_refused(out):
    client = client_for(out)
    for url in ("/static/../../review.sqlite", "/static/..%2F..%2Fstore.py", "/static/store.py",
                "/api/checks/..%2F..%2Fetc%2Fpasswd", "/api/crop/..%2Fputuo/0/0/0.png", "/putuo/caizheng-2024.pdf.json",
                "/static/%2e%2e/server.py"):
        r = client.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert b"schema" not in r.content and b"import" not in r.content
    assert client.get("/static/app.js").status_code == 200


def test_oversized_and_malformed_bodies_are_rejected(out):
    client = client_for(out)
    item = client.get("/api/queue").json()["items"][0]
    big = json.dumps({"doc": item["doc"], "table": 0, "row": 0, "col": 0, "text": "1" * 70_000})
    assert client.post("/api/correct", content=big, headers={"content-type": "application/json"}).status_code == 413
    for body in (b"{not json", b"[]", json.dumps({"doc": item["doc"], "table": "0", "row": 0, "col": 0, "text": "1"}),
                 json.dumps({"doc": item["doc"], "table": 0, "row": -1, "col": 0, "text": "1"}),
                 json.dumps({"doc": item["doc"], "table": 0, "row": 0, "col": 0})):
        assert client.post("/api/correct", content=body,
                           headers={"content-type": "application/json"}).status_code == 400, body
    assert client.post("/api/correct", json={"doc": item["doc"], "table": 0, "row": 999, "col": 0,
                                             "text": "1"}).status_code == 404
    assert client.get("/api/corrections").json()["corrections"] == []


def test_cross_site_writes_and_foreign_hosts_are_refused(out):
    client = client_for(out)
    item = client.get("/api/queue").json()["items"][0]
    body = json.dumps({"doc": item["doc"], "table": item["table"], "row": item["row"], "col": item["col"],
                       "text": "1.00"})
    # a page elsewhere can post text/plain without a preflight: refused
    assert client.post("/api/correct", content=body, headers={"content-type": "text/plain"}).status_code == 415
    assert client.post("/api/correct", content=body, headers={"content-type": "application/json",
                                                              "origin": "http://evil.example"}).status_code == 403
    # DNS rebinding: a foreign Host name reads nothing
    assert client.get("/api/queue", headers={"host": "evil.example"}).status_code == 403
    assert client.get("/api/corrections").json()["corrections"] == []


def test_token_is_required_everywhere(out):
    client = client_for(out, token="s3cret")
    for url in ("/", "/static/app.js", "/api/queue", "/api/documents"):
        assert client.get(url).status_code == 401
    assert client.get("/api/queue", headers={"X-Review-Token": "wrong"}).status_code == 401
    assert client.get("/api/queue", headers={"X-Review-Token": "s3cret"}).status_code == 200
    page = client.get("/?token=s3cret")
    assert page.status_code == 200 and "决算表格复核" in page.text
    assert client.get("/api/queue").status_code == 200  # the cookie set by ?token= carries on
    assert client.post("/api/correct", json={}, headers={"X-Review-Token": "nope"}).status_code == 401


def test_two_reviewers_in_threads_lose_nothing(out):
    from pipeline.review.store import ReviewStore

    a, b = client_for(out), client_for(out)
    items = a.get("/api/queue").json()["items"]
    targets = [it for it in items if it["text"]][:6]
    errors = []

    def work(client, mine):
        for it in mine:
            r = client.post("/api/correct", json={"doc": it["doc"], "table": 0, "row": it["row"], "col": it["col"],
                                                  "accept": True})
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=work, args=(a, targets[0::2])), threading.Thread(target=work, args=(b, targets[1::2]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    stored = ReviewStore.for_output(out).corrections()
    assert len(stored) == len(targets)


def test_orphaned_corrections_are_listed(out):
    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    client = client_for(out)
    sha = client.get("/api/documents").json()["documents"][0]["id"]
    from pipeline.review.corrections import apply_corrections

    full_sha = apply_corrections(out)[0].machine.sha256
    assert full_sha.startswith(sha)
    ReviewStore.for_output(out).record(CellKey(full_sha, "template:T05#0", "code:2999999#0", "合计#0"), "1.00",
                                       "2.00", reviewer="李四", location="已删除的行")
    orphaned = client.get("/api/queue").json()["orphaned"]
    assert [(o["row"], o["status"], o["location"]) for o in orphaned] == [("code:2999999#0", "orphaned", "已删除的行")]
