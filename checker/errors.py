"""The one error type for unusable input, and the location it carries.

Non-compliance is never an exception: it is a finding. `CheckerError` is for
input the checker cannot use at all (a broken bundle, an invalid policy, a
bad command line); the CLI turns it into exit code 2 and writes nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

# Characters that could rewrite a terminal line or reorder text when a message
# echoes hostile input: C0/C1 controls (tab and newline included) and the
# Unicode bidirectional and line/paragraph separator controls, and lone
# surrogates (undecodable bytes in a file name).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with control characters shown as escapes, so one problem stays one plain line."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xff else f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: file, 1-based line and column, and JSON path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    json_path: str | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Problem:
    """One problem with an input: a stable code, a message and where it is."""

    code: str
    message: str
    location: Location = field(default_factory=Location)

    def sort_key(self) -> tuple[str, float, float, str, str]:
        """File, then position; within a file, a problem without a line (a summary) comes after the located ones."""
        loc = self.location
        line = loc.line if loc.line is not None else math.inf
        return (loc.file or "", line, loc.column or 0, self.code, self.message)

    def render(self) -> str:
        where = f" (at {self.location.json_path})" if self.location.json_path else ""
        return printable(f"{self.location}: {self.code} {self.message}{where}")


class CheckerError(Exception):
    """Unusable input. Carries one or more problems, each with a location."""

    def __init__(self, problems: Problem | list[Problem] | tuple[Problem, ...]) -> None:
        if isinstance(problems, Problem):
            problems = (problems,)
        if not problems:
            raise ValueError("CheckerError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=Problem.sort_key))
        super().__init__(self.render())

    @classmethod
    def at(
        cls,
        code: str,
        message: str,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        json_path: str | None = None,
    ) -> CheckerError:
        return cls(Problem(code, message, Location(file, line, column, json_path)))

    def render(self) -> str:
        return "\n".join(problem.render() for problem in self.problems)

    def __str__(self) -> str:
        return self.render()
