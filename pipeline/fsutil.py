"""Atomic file writes: a temporary file in the same folder, fsync, then os.replace — a reader never sees
a half-written file and a crash never destroys what was already there."""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

TEMP_FILE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # what atomic_write leaves when killed mid-write


def umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def file_mode() -> int:
    """Mode of an ordinary new file under the user's umask (mkstemp alone makes it 0600)."""
    return 0o666 & ~umask()


def dir_mode() -> int:
    """Mode of an ordinary new folder under the user's umask (mkdtemp alone makes it 0700)."""
    return 0o777 & ~umask()


def printable(name: str | os.PathLike) -> str:
    """A file name as one line of valid UTF-8 text: bytes that are not UTF-8 (kept in ``str`` paths as
    surrogates, PEP 383) become ``\\xNN``, control characters (a newline in a name) ``\\n`` / ``\\xNN``.
    The file itself keeps its bytes; only reports use this form."""
    text = os.fspath(name)
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == " " else
                   {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(c, f"\\x{ord(c):02x}") for c in text)


def clean_stale_temp(folder: Path, older_than: float = 0.0) -> list[Path]:
    """Remove what an interrupted run left under ``folder``: temporary files of :func:`atomic_write`
    (``.name.XXXXXXXX.tmp``), CSV staging folders (``.name.tables.XXXXXXXX``) and swapped-out CSV folders
    (``name.tables.old``). Only entries last changed more than ``older_than`` seconds ago. Returns them."""
    removed: list[Path] = []
    limit = time.time() - older_than
    for dirpath, dirnames, filenames in os.walk(folder):
        base = Path(dirpath)
        for name in filenames:
            if TEMP_FILE.match(name) and _older(base / name, limit):
                (base / name).unlink(missing_ok=True)
                removed.append(base / name)
        for name in list(dirnames):
            stale = (name.startswith(".") and re.search(r"\.tables\.[A-Za-z0-9_]{8}$", name)) or \
                name.endswith(".tables.old")
            if stale and _older(base / name, limit) and not (base / name).is_symlink():
                shutil.rmtree(base / name, ignore_errors=True)
                removed.append(base / name)
                dirnames.remove(name)
    return removed


def _older(path: Path, limit: float) -> bool:
    try:
        return path.lstat().st_mtime < limit
    except OSError:
        return False


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the finished file over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, file_mode())  # mkstemp makes it private; the result is an ordinary file
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_write(path, lambda p: p.write_bytes(data))


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding=encoding, newline=""))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1) + "\n")
