"""PP-OCRv6 text-line recognition through rapidocr's ONNX weights (shipped in its wheel; never downloaded).

We call the recogniser on text-line crops we cut ourselves from ruled cells (no page-level detection
pass: the ruling already tells where text can be), and decode the CTC output ourselves so that every
character keeps its own score and its runner-up, which gives the weakest-character confidence and the
alternative readings used by repair.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .model import Alternative
from .resources import load_json


@dataclass
class CharReading:
    char: str
    score: float
    runner_up: str = ""
    runner_up_score: float = 0.0
    at: float = 0.0  # where along the line it was read: its CTC steps' middle, in steps (8 px of the model's input)


@dataclass
class LineReading:
    text: str
    chars: list[CharReading] = field(default_factory=list)

    @property
    def min_score(self) -> float:
        return min((c.score for c in self.chars), default=0.0)

    def alternatives(self, limit: int = 3, min_prob: float = 0.02) -> list[Alternative]:
        """Single-character substitutions by the runner-up, most probable first."""
        alts = []
        for i, c in enumerate(self.chars):
            if c.runner_up and c.runner_up != c.char and c.runner_up_score >= min_prob:
                text = "".join(x.char if j != i else c.runner_up for j, x in enumerate(self.chars))
                alts.append(Alternative(text=text, confidence=c.runner_up_score, source="ocr"))
        alts.sort(key=lambda a: -a.confidence)
        return alts[:limit]


@dataclass(frozen=True)
class OcrSettings:
    # one line per run: the recogniser's cost grows with the input's width, and a batch pads every line to its
    # widest (measured on 1836 cell crops of a 200 dpi scan, one thread: 15.1 s one by one, 19.8 s in 16s; the
    # readings differ on 8 long lines, none of them amounts)
    batch_size: int = 1
    threads: int = 0  # 0 = onnxruntime default
    line_height: int = 48  # model input height
    min_ratio: float = 2.0  # narrowest batch width, in line heights (PaddleOCR pads to 320/48)


class Recognizer:
    """Batch text-line recogniser with per-character scores and runner-ups."""

    def __init__(self, settings: OcrSettings = OcrSettings()):
        from rapidocr import RapidOCR

        verify_wheel_model("rec")
        params = {"Global.use_cls": False, "Global.use_det": False, "Global.log_level": "warning"}
        threads = settings.threads or int(os.environ.get("DISCLOSURE_OCR_THREADS", "0") or 0)
        if threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        engine = RapidOCR(params=params)
        rec = engine._load_rec_model() if hasattr(engine, "_load_rec_model") else engine.text_rec
        self._rec = rec
        # the recogniser knows traditional forms too and, on a worn print, returns one (決算數 for 决算数): the
        # documents are simplified, so each such character is read as its simplified form
        simplified = load_json("ocr", "traditional.json")["map"]
        self._chars = [simplified.get(ch, ch) for ch in rec.postprocess_op.character]
        self.settings = settings
        self._lock = threading.Lock()

    def recognize(self, crops: list[np.ndarray]) -> list[LineReading]:
        """Recognise text-line crops (BGR or grey uint8). Returns one reading per crop, in order."""
        out: list[LineReading | None] = [None] * len(crops)
        if not crops:
            return []
        imgs = [c if c.ndim == 3 else np.repeat(c[:, :, None], 3, axis=2) for c in crops]
        order = np.argsort([im.shape[1] / max(1, im.shape[0]) for im in imgs])
        for start in range(0, len(order), self.settings.batch_size):
            idx = order[start:start + self.settings.batch_size]
            ratio = max(max(imgs[i].shape[1] / max(1, imgs[i].shape[0]) for i in idx), self.settings.min_ratio)
            batch = np.concatenate([self._rec.resize_norm_img(imgs[i], ratio)[None] for i in idx]).astype(np.float32)
            with self._lock:
                preds = self._rec.session(batch)
            preds = np.asarray(preds)
            for k, i in enumerate(idx):
                out[i] = self._decode(preds[k])
        return [o if o is not None else LineReading("") for o in out]

    def _decode(self, probs: np.ndarray) -> LineReading:
        """Greedy CTC decoding keeping each character's mean probability and its best competitor."""
        best = probs.argmax(axis=1)
        chars: list[CharReading] = []
        t, n = 0, len(best)
        while t < n:
            k = best[t]
            u = t
            while u + 1 < n and best[u + 1] == k:
                u += 1
            if k != 0 and k < len(self._chars):
                seg = probs[t:u + 1]
                score = float(seg[:, k].mean())
                # runner-up: best other non-blank class over the segment
                other = seg.max(axis=0).copy()
                other[k] = 0.0
                other[0] = 0.0
                j = int(other.argmax())
                ch = self._chars[k]
                if ch == "blank":
                    t = u + 1
                    continue
                chars.append(CharReading(ch, score, self._chars[j] if j < len(self._chars) else "",
                                         float(other[j]), (t + u) / 2.0))
            t = u + 1
        return LineReading("".join(c.char for c in chars), chars)


_lock = threading.Lock()


@lru_cache(maxsize=None)
def verify_wheel_model(task: str) -> str:
    """Check that rapidocr's default ``task`` model is the wheel file named in models/ocr/manifest.json."""
    import hashlib
    from pathlib import Path

    import rapidocr

    entry = load_json("ocr", "manifest.json")[task]
    path = Path(rapidocr.__file__).parent / "models" / entry["file"]
    if not path.is_file():
        raise RuntimeError(f"{path}: OCR model missing from the rapidocr wheel (expected {entry['file']}); "
                           "reinstall rapidocr — disclosure never downloads models")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != entry["sha256"]:
        raise RuntimeError(f"{path}: OCR model differs from models/ocr/manifest.json (sha256 {digest[:12]}…); "
                           "update the manifest after checking the new rapidocr release")
    return str(path)


@lru_cache(maxsize=1)
def _shared(settings: OcrSettings) -> Recognizer:
    return Recognizer(settings)


def get_recognizer(settings: OcrSettings = OcrSettings()) -> Recognizer:
    """One recogniser per process (model load ~0.2 s)."""
    with _lock:
        return _shared(settings)
