"""What users install works (issue 12 item 9): a wheel built from the repository carries models/ (as
pipeline/models) and extracts a committed sample from a fresh virtual environment, the project coming from
the wheel and not from the source tree. Heavy dependencies come from the system site-packages."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT, SAMPLES


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_wheel_ships_models_and_extracts_from_a_fresh_venv(tmp_path):
    src = tmp_path / "src"  # a copy: the build must not depend on (or write into) the working tree
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pipeline", "models"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)])
    wheel = next(dist.glob("disclosure-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    # every data file of models/ and every module of pipeline/ is in the wheel
    for path in (ROOT / "models").rglob("*"):
        if path.is_file():
            assert "pipeline/models/" + path.relative_to(ROOT / "models").as_posix() in names, path
    for path in (ROOT / "pipeline").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            assert path.relative_to(ROOT).as_posix() in names, path

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)])
    work = tmp_path / "elsewhere"  # not the repository: nothing of the source tree on sys.path
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DISCLOSURE_MODELS")}
    where = _run([str(py), "-c", "import pipeline, pipeline.resources as r; print(pipeline.__file__); "
                                 "print(r.MODELS_DIR)"], cwd=work, env=env).stdout.split()
    site = str(venv / "lib")
    assert where[0].startswith(site) and where[1].startswith(site), where
    assert Path(where[1]).name == "models" and Path(where[1]).parent.name == "pipeline"
    sample = work / "in"
    sample.mkdir()
    shutil.copy(SAMPLES / "s04_health_2023_digital.pdf", sample / "health.pdf")
    _run([str(venv / "bin" / "disclosure"), "extract", str(sample), "-o", str(work / "out"), "-q"], cwd=work,
         env=env)
    doc = json.loads((work / "out" / "health.pdf.json").read_text(encoding="utf-8"))
    truth = json.loads((SAMPLES / "s04_health_2023_digital.truth.json").read_text(encoding="utf-8"))
    assert len(doc["tables"]) == len(truth["tables"]) == 9
    assert {t.get("template") for t in doc["tables"]} >= {"T01", "T02", "T03"}  # templates came from the wheel
    assert all(c["ok"] for c in doc["checks"]) and doc["checks"]
