"""Exceptions that carry an exit code and name the file they concern (OCRmyPDF style)."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0
    some_documents_failed = 1
    usage_error = 2


class DisclosureError(Exception):
    """Base class: a problem with one input, reported in one line; the batch goes on."""

    exit_code = ExitCode.some_documents_failed
    reason = "error"

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class InputFileError(DisclosureError):
    """The input cannot be opened or read (corrupt, encrypted, not a PDF/image, empty)."""

    reason = "unreadable input"


class LimitExceeded(DisclosureError):
    """The input exceeds a configured limit (pages, pixels)."""

    reason = "limit exceeded"


class UsageError(Exception):
    exit_code = ExitCode.usage_error
