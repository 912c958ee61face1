"""Where the shipped policies, schemas, profiles and samples are.

In a wheel they are bundled under `checker/_bundled/`; in a source checkout
(editable install, tests) they are the top-level directories.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """`policies`, `schemas`, `profiles`, `standards` or `evidence_samples`."""
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


def schema_path(name: str) -> Path:
    return shipped("schemas") / f"{name}.schema.json"
