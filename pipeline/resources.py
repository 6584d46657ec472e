"""Where the pipeline's knowledge-as-data lives (``models/`` at the project root)."""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

MODELS_DIR = Path(os.environ.get("DISCLOSURE_MODELS", Path(__file__).resolve().parent.parent / "models"))


def models_path(*parts: str) -> Path:
    p = MODELS_DIR.joinpath(*parts)
    if not p.exists():
        raise FileNotFoundError(f"{p}: missing pipeline data (set DISCLOSURE_MODELS to the models/ folder)")
    return p


@lru_cache(maxsize=None)
def load_json(*parts: str):
    with open(models_path(*parts), encoding="utf-8") as f:
        return json.load(f)
