"""Shared fixtures: where ../shared is, and small helpers to make rendered test inputs."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "real"
SAMPLES = ROOT / "samples"


def real_pdf(*parts: str) -> Path:
    p = REAL.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not available (../shared/real is absent)")
    return p


@pytest.fixture
def caizheng_pdf() -> Path:
    return real_pdf("juesuan", "putuo-caizheng-2024-juesuan.pdf")
