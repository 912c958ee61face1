"""Every file a run reads, so that no output can overwrite one (inputs are never modified).

`check` and `kpis` refuse an output path that is, or links to, any of them
(checker.output.refuse_inputs): the bundle and each attachment and record
file it pins, each policy, the interpretations and scoring model of every
policy root, the configuration file, and the profile, waivers and baseline
files given on the command line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from checker.bundle import Bundle
from checker.policy import INTERPRETATIONS_FILE, PolicySet
from checker.workspace import Workspace

Input = tuple[Path, str]  # a file, and what it is to the run (for the message)


def files_read(bundle: Bundle, policy_set: PolicySet, workspace: Workspace, *, profile: Path | None = None,
               waivers: Path | None = None, baseline: Path | None = None) -> Iterator[Input]:
    from checker import scoring

    yield bundle.document.path, "the bundle file"
    for rel in bundle.attachments:
        yield bundle.directory / rel, f"the attachment {rel}"
    for compiled in policy_set.policies:
        yield compiled.policy.document.path, f"the policy {compiled.policy.id}"
    yield from _workspace_files(workspace.roots)
    if workspace.config.path is not None:
        yield workspace.config.path, "the configuration file"
    model = scoring.model_path(workspace.roots)
    if model is not None:
        yield model, "the scoring model"
    for path, what in ((profile, "the profile"), (waivers, "the waivers file"), (baseline, "the baseline report")):
        if path is not None:
            yield path, what


def _workspace_files(roots: Sequence[Path]) -> Iterator[Input]:
    for root in roots:
        yield root / INTERPRETATIONS_FILE, f"the interpretations of {root.name}"
