"""What compiling a policy needs: its parameters, and where to point errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.errors import CheckerError
from checker.loading import Document
from checker.paths import JsonPath, PathSyntaxError, compile_path, render


@dataclass
class CompileEnv:
    """Compilation state for one policy. Records the parameters and paths it uses."""

    policy_id: str
    document: Document | None
    params: Mapping[str, Any]
    used_params: set[str] = field(default_factory=set)
    paths: list[tuple[JsonPath, tuple[Any, ...]]] = field(default_factory=list)

    def error(self, code: str, message: str, at: tuple[Any, ...]) -> CheckerError:
        file = self.document.display if self.document else self.policy_id
        position = self.document.locate(at) if self.document else None
        line, col = position if position else (None, None)
        return CheckerError.at(code, message, file, line, col, render(at))

    def param(self, name: Any, at: tuple[Any, ...]) -> Any:
        if not isinstance(name, str) or name not in self.params:
            raise self.error("ECS106", f"parameter {name!r} is not declared under parameters", at)
        self.used_params.add(name)
        return self.params[name]

    def path(self, text: Any, at: tuple[Any, ...]) -> JsonPath:
        try:
            compiled = compile_path(text)
        except PathSyntaxError as err:
            raise self.error("ECS105", f"JSONPath {text!r} does not parse: {err}", at) from None
        self.paths.append((compiled, at))
        return compiled
