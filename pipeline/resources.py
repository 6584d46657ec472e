"""Where the pipeline's knowledge-as-data lives: ``models/`` at the root of the repository, shipped inside
the distribution as ``pipeline/models`` (pyproject maps one to the other). ``DISCLOSURE_MODELS`` overrides."""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _models_dir() -> Path:
    if os.environ.get("DISCLOSURE_MODELS"):
        return Path(os.environ["DISCLOSURE_MODELS"])
    installed = _HERE / "models"  # wheel / pip install .
    return installed if installed.is_dir() else _HERE.parent / "models"  # source tree, editable install


MODELS_DIR = _models_dir()


def models_path(*parts: str) -> Path:
    p = MODELS_DIR.joinpath(*parts)
    if not p.exists():
        raise FileNotFoundError(f"{p}: missing pipeline data (set DISCLOSURE_MODELS to the models/ folder)")
    return p


@lru_cache(maxsize=None)
def load_json(*parts: str):
    with open(models_path(*parts), encoding="utf-8") as f:
        return json.load(f)
