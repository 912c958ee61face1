"""Run one rule against a small bundle written to a temporary directory."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.bundle import load_bundle
from checker.compiling import CompileEnv
from checker.fixtures import BASE_BUNDLE
from checker.operators import Outcome, compile_rule


@pytest.fixture
def run_rule(tmp_path: Path) -> Callable[..., Outcome]:
    def run(rule: Mapping[str, Any], bundle: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> Outcome:
        data = copy.deepcopy(BASE_BUNDLE)
        for key, value in bundle.items():
            if key == "organization":
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        path = tmp_path / "bundle.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        compiled = compile_rule(dict(rule), CompileEnv("test/rule", None, dict(params or {})), ("rule",))
        return compiled(load_bundle(path).context())

    return run
