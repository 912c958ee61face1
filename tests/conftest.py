"""Shared helpers: build a bundle from a few sections, without touching the working directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.bundle import Bundle, load_bundle

BASE: dict[str, Any] = {
    "schema_version": "1.0",
    "organization": {"name": "南京示例电子商务有限公司", "unified_social_credit_code": "91320106MA1N2L3K4P", "role": "operator"},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
}


@pytest.fixture
def make_bundle(tmp_path: Path):
    """`make_bundle({"performance": {...}})` -> a validated Bundle with those sections over a minimal base."""
    counter = iter(range(10_000))

    def make(sections: dict[str, Any], organization: dict[str, Any] | None = None) -> Bundle:
        data = dict(BASE) | sections
        if organization:
            data["organization"] = BASE["organization"] | organization
        folder = tmp_path / f"b{next(counter)}"
        folder.mkdir()
        (folder / "bundle.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return load_bundle(folder)

    return make
