"""`ecs-check template`: a complete, commented bundle skeleton to fill in."""

from __future__ import annotations

import sys
from pathlib import Path

from checker.errors import CheckerError
from checker.loading import decode_text, read_bytes
from checker.output import write_atomic
from checker.resources import shipped


def template_text() -> str:
    path = shipped("schemas") / "bundle.template.yaml"
    return decode_text(read_bytes(path, str(path)), str(path))


def run(output: Path | None) -> int:
    text = template_text()
    if output is None:
        sys.stdout.write(text)
        return 0
    if output.exists():
        raise CheckerError.at("ECS004", "file exists; the template never overwrites a bundle", str(output))
    write_atomic(output, text)
    sys.stderr.write(f"ecs-check: wrote {output}\n")
    return 0
