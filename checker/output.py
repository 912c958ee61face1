"""Write output files atomically: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from checker.errors import CheckerError


def check_destination(path: Path) -> Path:
    """Fail before any work if `path` cannot be an output file; returns its directory.

    An existing output must be a regular file: renaming a report over
    /dev/null, /dev/stdout or a named pipe would replace the device or pipe
    itself with a plain file.
    """
    directory = path.parent if str(path.parent) else Path(".")
    try:
        if not directory.is_dir():
            raise CheckerError.at("ECS004", f"directory {directory} does not exist", str(path))
        if path.is_dir():
            raise CheckerError.at("ECS004", "output path is a directory", str(path))
        if path.exists() and not path.is_file():
            raise CheckerError.at("ECS004", "output path is not a regular file (a device or pipe); "
                                  "leave out --output to write to standard output", str(path))
    except OSError as err:
        raise CheckerError.at("ECS004", f"cannot write here: {err.strerror}", str(path)) from None
    return directory


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _mode_for(path: Path) -> int:
    """The permissions the file would get if written in place: its current ones, else 0666 less the umask.

    mkstemp creates its file 0600, which would leave a report unreadable to
    the group (an artifact reader, a web server) once renamed into place.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _stage(path: Path, content: str | bytes) -> str:
    """Write `content` to a temporary file beside `path`, flushed to disk; returns its name."""
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
            os.fchmod(handle.fileno(), _mode_for(path))
            os.fsync(handle.fileno())
    except OSError as err:
        _unlink(tmp)
        raise CheckerError.at("ECS004", f"cannot write: {err.strerror}", str(path)) from None
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def write_atomic(path: Path, content: str | bytes) -> None:
    write_all_atomic([(path, content)])


def write_all_atomic(files: Sequence[tuple[Path, str | bytes]]) -> None:
    """Write several files, all or none: each is staged beside its target, then all are renamed into place.

    Staging does the work that can fail (space, permissions); if any file
    cannot be staged, every staged file is removed and no target changes.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, content in files:
            staged.append((_stage(path, content), path))
        while staged:
            tmp, path = staged[0]
            try:
                os.replace(tmp, path)
            except OSError as err:
                raise CheckerError.at("ECS004", f"cannot write: {err.strerror}", str(path)) from None
            staged.pop(0)
    finally:
        for tmp, _ in staged:
            _unlink(tmp)


def refuse_inputs(path: Path, inputs: Iterable[tuple[Path, str]]) -> None:
    """Refuse an output path that is (or links to) one of the run's input files; `inputs` are (file, what it is)."""
    try:
        target = os.stat(path)
    except OSError:
        return  # nothing there yet (or unreadable): it cannot be an input that was read
    for file, what in inputs:
        try:
            info = os.stat(file)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (target.st_dev, target.st_ino):
            raise CheckerError.at("ECS004", f"output file is {what} this run reads; write the report elsewhere", str(path))


def write_stdout(text: str) -> None:
    """UTF-8 bytes on standard output whatever the locale says, so the same inputs give the same bytes."""
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:  # replaced by a text-only stream (e.g. under a test runner)
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    stream.write(text.encode("utf-8"))
    stream.flush()
