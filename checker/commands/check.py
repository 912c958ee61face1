"""`ecs-check check`: load -> validate -> evaluate -> render -> write."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from checker.bundle import Bundle, Limits, load_bundle
from checker.engine import evaluate
from checker.findings import exit_code, summarize
from checker.output import check_destination, refuse_inputs, write_atomic, write_stdout
from checker.policy import PolicySet, default_roots, load_policy_set
from checker.reporters import renderer


def run(
    bundle_path: Path,
    *,
    standards: Sequence[str] = ("all",),
    fmt: str = "text",
    output: Path | None = None,
    policy_dirs: Sequence[Path] = (),
    as_of: dt.date | None = None,
    options: dict[str, Any] | None = None,
    max_bundle_bytes: int = Limits().bundle_bytes,
    max_attachment_bytes: int = Limits().attachment_bytes,
    debug: bool = False,
) -> int:
    if output is not None:
        check_destination(output)
    limits = Limits(bundle_bytes=max_bundle_bytes, attachment_bytes=max_attachment_bytes)
    bundle = load_bundle(bundle_path, as_of, limits, display=str(bundle_path))
    policy_set = load_policy_set(default_roots() + list(policy_dirs), standards)
    if output is not None:
        refuse_inputs(output, _inputs(bundle, policy_set))
    result = evaluate(policy_set, bundle, standards, debug=debug)
    text = renderer(fmt)(result, options or {})
    if output is None:
        write_stdout(text)
    else:
        write_atomic(output, text)
        counts = ", ".join(f"{name} {n}" for name, n in summarize(result.findings).items() if n)
        sys.stderr.write(f"ecs-check: wrote {output} ({len(result.findings)} findings: {counts})\n")
    return exit_code(result.findings)


def _inputs(bundle: Bundle, policy_set: PolicySet) -> Iterator[tuple[Path, str]]:
    """Every file the run reads, so the report can never overwrite one."""
    yield bundle.document.path, "the bundle file"
    for rel in bundle.attachments:
        yield bundle.directory / rel, f"the attachment {rel}"
    for compiled in policy_set.policies:
        yield compiled.policy.document.path, f"the policy {compiled.policy.id}"
