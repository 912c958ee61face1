"""Write output files atomically: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from checker.errors import CheckerError


def check_destination(path: Path) -> Path:
    """Fail before any work if `path` cannot be an output file; returns its directory."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CheckerError.at("ECS004", f"directory {directory} does not exist", str(path))
    if path.is_dir():
        raise CheckerError.at("ECS004", "output path is a directory", str(path))
    return directory


def write_atomic(path: Path, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    directory = check_destination(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise CheckerError.at("ECS004", f"cannot write here: {err.strerror}", str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise CheckerError.at("ECS004", f"cannot write: {err.strerror}", str(path)) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
