"""Review server defects of issue 12: one bad file under OUT or a corrupt review store (item 7, review side),
nested bodies, malformed Host values, the Origin check, and a correction that must neither block other
requests nor reload every document (item 10). Each has its regression test here."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from test_review_server import client_for, out  # noqa: F401 - the OUT fixture
from test_review_store import build_document, write_out


def first_item(client) -> dict:
    return client.get("/api/queue").json()["items"][0]


# -- item 10: bodies, Host, Origin ----------------------------------------------------------------------------


def test_deeply_nested_json_gives_400_not_500(out):
    client = client_for(out)
    depth = 30_000  # 60 KB, under the body limit
    for body in ("[" * depth + "]" * depth, '{"doc": ' + "[" * depth + "]" * depth + "}",
                 '{"a":' * 10_000 + "1" + "}" * 10_000):
        assert len(body) < 64 * 1024
        for path in ("/api/correct", "/api/undo", "/api/source-error"):
            r = client.post(path, content=body, headers={"content-type": "application/json"})
            assert r.status_code == 400, (path, r.status_code, r.text[:200])


@pytest.mark.parametrize("host", ["127.0.0.1:8765@evil.com", "127.0.0.1@evil.com", "evil.com", "127.0.0.1.evil.com",
                                  "127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:80:80", "127.0.0.1:", "127.0.0.1/x",
                                  "127.0.0.1:8765/x", "[::1]x", " 127.0.0.1", "user:pw@127.0.0.1", "localhost.:8765",
                                  "127.0.0.1:8765 evil.com", ""])
def test_malformed_or_foreign_host_is_refused(out, host):
    client = client_for(out)
    assert client.get("/api/queue", headers={"host": host}).status_code == 403


def test_our_host_names_are_accepted(out):
    client = client_for(out)
    for host in ("127.0.0.1", "127.0.0.1:8765", "localhost:8765", "LOCALHOST", "[::1]:8765"):
        assert client.get("/api/documents", headers={"host": host}).status_code == 200, host


def test_origin_must_match_scheme_host_and_port(out):
    client = client_for(out, base_url="http://127.0.0.1:8765")
    it = first_item(client)
    body = {"doc": it["doc"], "table": it["table"], "row": it["row"], "col": it["col"], "accept": True}
    for origin in ("http://127.0.0.1:9999", "https://127.0.0.1:8765", "http://localhost:8765", "http://127.0.0.1",
                   "http://127.0.0.1:8765@evil.com", "http://evil.com:8765", "null", "127.0.0.1:8765",
                   "http://127.0.0.1:8765/path"):
        r = client.post("/api/correct", json=body, headers={"origin": origin})
        assert r.status_code == 403, (origin, r.status_code)
    assert client.get("/api/corrections").json()["corrections"] == []
    r = client.post("/api/correct", json=body, headers={"origin": "http://127.0.0.1:8765"})
    assert r.status_code == 200, r.text
    # no port in Host and Origin: both mean port 80
    plain = client_for(out, base_url="http://localhost")
    assert plain.post("/api/correct", json=body, headers={"origin": "http://localhost:80"}).status_code == 200


# -- item 10: a correction blocks nobody and re-validates only its document ----------------------------------------


class LiveServer:
    """uvicorn in a thread of this process (one event loop, as in production), so tests can slow a stage."""

    def __init__(self, out, **kw):
        import uvicorn

        from pipeline.review.server import ServerSettings, create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.app = create_app(ServerSettings(out_dir=out, port=self.port, reviewer="测试员", **kw))
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url(path), timeout=60) as r:
            return json.loads(r.read())

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(self.url(path), data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def test_readers_are_served_while_a_correction_revalidates(out, monkeypatch):
    import pipeline.review.corrections as corrections

    server = LiveServer(out)
    try:
        it = server.get("/api/queue")["items"][0]
        entered, release = threading.Event(), threading.Event()
        real = corrections.revalidate

        def slow_revalidate(*args, **kwargs):
            entered.set()
            release.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(corrections, "revalidate", slow_revalidate)
        result = {}
        writer = threading.Thread(target=lambda: result.update(r=server.post("/api/correct", {
            "doc": it["doc"], "table": it["table"], "row": it["row"], "col": it["col"], "text": "1,503.52"})))
        writer.start()
        assert entered.wait(30), "the correction reached re-validation"
        # while it re-validates, every reader is answered (with the state before the correction)
        served = [server.get("/api/queue"), server.get("/api/documents"), server.get("/api/reviewed"),
                  server.get(f"/api/checks/{it['doc']}")]
        assert not release.is_set() and writer.is_alive(), "readers were answered before the correction finished"
        assert it["id"] in {i["id"] for i in served[0]["items"]}
        release.set()
        writer.join(30)
        assert result["r"][0] == 200 and len(result["r"][1]["turned_green"]) == 2
        assert it["id"] not in {i["id"] for i in server.get("/api/queue")["items"]}
    finally:
        release.set()
        server.stop()


def test_a_correction_revalidates_only_its_own_document(tmp_path, monkeypatch):
    import pipeline.review.corrections as corrections

    out = tmp_path / "out"
    doc = build_document()
    write_out(out, doc, "a/first.pdf")
    doc.sha256 = "f" * 64  # a second, different document
    write_out(out, doc, "b/second.pdf")
    client = client_for(out)
    docs = client.get("/api/documents").json()["documents"]
    assert len(docs) == 2
    workspace = client.app.state.workspace
    untouched = {e.doc.machine.sha256: e.doc for e in workspace.entries()}

    calls = {"revalidate": [], "read": []}
    real_revalidate, real_read = corrections.revalidate, corrections.read_document_json
    monkeypatch.setattr(corrections, "revalidate",
                        lambda d, *a, **k: (calls["revalidate"].append(d.sha256), real_revalidate(d, *a, **k))[1])
    monkeypatch.setattr(corrections, "read_document_json",
                        lambda p: (calls["read"].append(p), real_read(p))[1])
    it = next(i for i in client.get("/api/queue").json()["items"] if i["doc_name"] == "a/first.pdf")
    r = client.post("/api/correct", json={"doc": it["doc"], "table": 0, "row": it["row"], "col": it["col"],
                                          "text": "1,503.52" if it["text"] == "1,508.52" else it["text"]})
    assert r.status_code == 200
    queue = client.get("/api/queue").json()
    assert calls["read"] == [], "no document JSON is read again for a correction"
    first_sha = next(sha for sha in untouched if sha != "f" * 64)
    assert set(calls["revalidate"]) == {first_sha}, "only the corrected document is re-validated"
    after = {e.doc.machine.sha256: e.doc for e in workspace.entries()}
    assert after["f" * 64] is untouched["f" * 64], "the other document's state is the same object"
    assert queue["progress"]["reviewed"] == 1


# -- item 7: bad files under OUT, a corrupt store ----------------------------------------------------------


def test_a_bad_file_under_out_is_reported_and_the_rest_is_served(out, capsys):
    from pipeline.review.server import startup_messages

    good = (out / "putuo" / "caizheng-2024.pdf.json").read_text(encoding="utf-8")
    (out / "truncated.pdf.json").write_text(good[: len(good) // 2], encoding="utf-8")
    (out / "future.pdf.json").write_text(json.dumps({"schema": "disclosure.document/9", "tables": []}),
                                         encoding="utf-8")
    (out / "empty.pdf.json").write_bytes(b"")
    (out / "garbage.pdf.json").write_bytes(b"\x00\xff\x13garbage")
    (out / "wrongshape.pdf.json").write_text(json.dumps({"schema": "disclosure.document/1", "tables": [{"rows": 3}]}),
                                             encoding="utf-8")
    (out / "run-summary.json").write_text(json.dumps({"documents": []}), encoding="utf-8")  # not a document
    client = client_for(out)
    docs = client.get("/api/documents").json()
    assert [d["name"] for d in docs["documents"]] == ["putuo/caizheng-2024.pdf"]
    errors = {e["name"]: e["message"] for e in docs["errors"]}
    assert set(errors) == {"truncated.pdf.json", "future.pdf.json", "empty.pdf.json", "garbage.pdf.json",
                           "wrongshape.pdf.json"}
    assert "cannot read document JSON" in errors["truncated.pdf.json"]
    assert "disclosure.document/9" in errors["future.pdf.json"]
    assert "malformed document" in errors["wrongshape.pdf.json"]
    queue = client.get("/api/queue").json()
    assert queue["items"] and len(queue["errors"]) == 5
    it = queue["items"][0]
    assert client.post("/api/correct", json={"doc": it["doc"], "table": 0, "row": it["row"], "col": it["col"],
                                             "accept": True}).status_code == 200
    lines = startup_messages(client.app)
    assert sum("skipped" in line and "truncated.pdf.json" in line for line in lines) == 1
    # fixed on disk: picked up on the next look at OUT
    (out / "truncated.pdf.json").unlink()
    client.app.state.workspace.refresh(force=True)
    assert len(client.get("/api/documents").json()["errors"]) == 4


def test_export_and_import_go_on_past_a_bad_file(out, tmp_path, capsys):
    from pipeline.cli import main

    (out / "truncated.pdf.json").write_text('{"schema": "disclosure.document/1", "source": {', encoding="utf-8")
    # the rest is exported; exit 1 says something was skipped (issue 12 item 7)
    assert main(["export", str(out), "--format", "csv", "-o", str(tmp_path / "csv")]) == 1
    err = capsys.readouterr().err
    assert "truncated.pdf.json" in err and "skipped" in err
    assert (tmp_path / "csv" / "long.csv").stat().st_size > 1000


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\x07" * 5000,
                                     "foreign", "truncated"],
                         ids=["garbage", "damaged-header", "foreign-database", "truncated"])
def test_a_corrupt_review_store_is_an_error_naming_it_and_never_overwritten(out, content, capsys):
    import sqlite3

    from pipeline.cli import main
    from pipeline.review.server import ServerSettings, create_app
    from pipeline.review.store import StoreError

    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    path = out / "review.sqlite"
    if content == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
        conn.commit()
        conn.close()
    elif content == "truncated":  # a real store cut in half (disk full, bad copy)
        store = ReviewStore(path)
        for i in range(300):
            store.record(CellKey("d", "t#0", f"code:{i}#0", "合计#0"), "1", "2" * 50, reviewer="a", location="x" * 100)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(StoreError) as e:
        create_app(ServerSettings(out_dir=out))
    assert str(path) in str(e.value) and "untouched" in str(e.value)
    for argv in (["review", str(out), "--port", "1"], ["export", str(out), "--format", "csv"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert f"error: {path}" in err and "Traceback" not in err
    assert path.read_bytes() == before, "the store file was left as it was"
    assert not (out / "review.sqlite-wal").exists() or (out / "review.sqlite-wal").stat().st_size == 0


def test_store_of_schema_1_is_migrated_keeping_every_row(tmp_path):
    import sqlite3

    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    path = tmp_path / "review.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE corrections (id INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL, table_key TEXT NOT NULL,
          row_key TEXT NOT NULL, column_key TEXT NOT NULL, old_text TEXT NOT NULL, new_text TEXT NOT NULL,
          reviewer TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, source TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'orphaned')),
          revision INTEGER NOT NULL DEFAULT 1, location TEXT NOT NULL DEFAULT '',
          UNIQUE (document, table_key, row_key, column_key));
        CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, reviewer TEXT NOT NULL,
          action TEXT NOT NULL, document TEXT NOT NULL, table_key TEXT NOT NULL, row_key TEXT NOT NULL,
          column_key TEXT NOT NULL, old_text TEXT, new_text TEXT, source TEXT NOT NULL DEFAULT '',
          detail TEXT NOT NULL DEFAULT '');
        INSERT INTO corrections (document, table_key, row_key, column_key, old_text, new_text, reviewer, created,
          updated, source) VALUES ('d', 't#0', 'code:201#0', '合计#0', '1', '2', 'a', 'x', 'x', 'web');
        INSERT INTO audit_log (at, reviewer, action, document, table_key, row_key, column_key, old_text, new_text)
          VALUES ('x', 'a', 'correct', 'd', 't#0', 'code:201#0', '合计#0', '1', '2');
        PRAGMA user_version=1;
    """)
    conn.close()
    store = ReviewStore(path)
    [c] = store.corrections()
    assert (c.key, c.new_text, c.status) == (CellKey("d", "t#0", "code:201#0", "合计#0"), "2", "active")
    assert store.withdraw(c.id, "b")[1] == "withdrawn"
    assert [e.action for e in store.audit()] == ["correct", "undo"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
        conn.execute("DELETE FROM corrections")
    conn.close()
