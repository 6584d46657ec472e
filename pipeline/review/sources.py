"""Finding the input (PDF/image) of an extracted document for page crops, wherever it is now.

``disclosure extract`` records the input's absolute path (``source.file``) and the same path relative to
OUT (``source.file_relative``). When the inputs and OUT were moved together, the relative path still
finds it; when only the inputs moved, ``disclosure review OUT --source-root FOLDER`` names where they are
now (the document's path under FOLDER is its path under OUT, as given to extract). A candidate counts only
when its sha256 is the document's, so a different file at the old place is never shown as the source.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from .corrections import SourceRef


@dataclass
class SourceStatus:
    path: Path | None  # the file found, or None
    tried: list[str] = field(default_factory=list)  # where we looked (for the message)
    problems: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.path is not None

    def message(self) -> str:
        """Chinese, for the UI."""
        if self.found:
            return ""
        where = "、".join(self.tried) or "（提取结果中没有记录原件路径）"
        extra = f"（{'；'.join(self.problems)}）" if self.problems else ""
        return (f"找不到原件，无法显示截图。查找过：{where}{extra}。原件移动后，请用 "
                f"disclosure review OUT --source-root 原件所在文件夹 重新启动复核。")


class SourceResolver:
    """Resolves and verifies (sha256) each document's input once; thread-safe; results cached."""

    def __init__(self, out_dir: Path, source_root: Path | None = None):
        self.out_dir = Path(out_dir)
        self.source_root = Path(source_root) if source_root else None
        self._lock = threading.Lock()
        self._digests: dict[tuple[str, int, int], str] = {}
        self._cache: dict[tuple[str, str], SourceStatus] = {}

    def candidates(self, ref: SourceRef) -> list[Path]:
        out: list[Path] = []
        if self.source_root is not None:
            out.append(self.source_root / ref.rel)
            if ref.file:
                out.append(self.source_root / Path(ref.file).name)
        if ref.file:
            out.append(Path(ref.file))
        if ref.relative:
            out.append(self.out_dir / ref.relative)
        unique: list[Path] = []
        for p in out:
            if p not in unique:
                unique.append(p)
        return unique

    def _sha256(self, path: Path) -> str:
        from ..ingest import sha256_of

        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in self._digests:
            self._digests[key] = sha256_of(path)
        return self._digests[key]

    def resolve(self, ref: SourceRef, sha256: str) -> SourceStatus:
        cache_key = (repr(ref), sha256)
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None and cached.path is not None and cached.path.is_file():
                return cached
            status = SourceStatus(None)
            for candidate in self.candidates(ref):
                status.tried.append(str(candidate))
                try:
                    if not candidate.is_file():
                        continue
                    if sha256 and self._sha256(candidate) != sha256:
                        status.problems.append(f"{candidate} 不是提取时的那个文件（sha256 不同）")
                        continue
                except OSError as e:
                    status.problems.append(f"{candidate}: {e.strerror or e}")
                    continue
                status.path = candidate
                break
            self._cache[cache_key] = status
            return status
