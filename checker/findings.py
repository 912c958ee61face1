"""Findings: one verdict per clause (or lettered item), and their order."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    MANUAL_REVIEW = "manual_review"
    ERROR = "error"
    WAIVED = "waived"

    def __str__(self) -> str:
        return self.value


# Worst first: combining outcomes keeps the worst one.
SEVERITY: tuple[Status, ...] = (
    Status.ERROR,
    Status.FAIL,
    Status.INSUFFICIENT_EVIDENCE,
    Status.MANUAL_REVIEW,
    Status.WAIVED,
    Status.PASS,
    Status.NOT_APPLICABLE,
)
_RANK = {status: rank for rank, status in enumerate(SEVERITY)}

# Statuses that make `ecs-check check` exit 1.
FAILING: frozenset[Status] = frozenset({Status.FAIL, Status.INSUFFICIENT_EVIDENCE, Status.ERROR})


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe status; not_applicable only when every part is."""
    ranked = sorted(statuses, key=_RANK.__getitem__)
    return ranked[0] if ranked else Status.NOT_APPLICABLE


@dataclass(frozen=True)
class Text:
    """A bilingual string: Chinese (the standard's words) and English."""

    zh: str
    en: str

    @classmethod
    def from_mapping(cls, value: Mapping[str, str]) -> Text:
        return cls(zh=value["zh"], en=value["en"])

    def to_json(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}

    def join(self, other: Text, sep: Text | None = None) -> Text:
        sep = sep or Text("；", "; ")
        if not self.zh and not self.en:
            return other
        if not other.zh and not other.en:
            return self
        return Text(self.zh + sep.zh + other.zh, self.en + sep.en + other.en)


@dataclass(frozen=True)
class EvidenceRef:
    """A value in the bundle that decided a verdict, and where it is."""

    path: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    note: str | None = None
    digest: str | None = None  # SHA-256 of the cited value and the files it references (checker.cited)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "file": self.file, "line": self.line, "column": self.column}
        if self.note is not None:
            data["note"] = self.note
        if self.digest is not None:
            data["digest"] = self.digest
        return data


@dataclass(frozen=True)
class ParameterChange:
    """A parameter a profile set to another value than the policy's default, and why.

    `direction` is `stricter`, `unchanged`, `looser` or `unranked` (the policy
    does not say which way is stricter); `loosened` is true for the last two,
    which a profile may only set where the standard allows adjustment.
    """

    policy_id: str
    name: str
    default: Any
    value: Any
    direction: str
    adjustable: bool
    reason: Text
    profile: str
    file: str | None = None
    line: int | None = None

    @property
    def loosened(self) -> bool:
        return self.direction in ("looser", "unranked")

    def to_json(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "name": self.name,
            "default": self.default,
            "value": self.value,
            "direction": self.direction,
            "loosened": self.loosened,
            "adjustable": self.adjustable,
            "reason": self.reason.to_json(),
            "profile": self.profile,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class AppliedWaiver:
    """The waiver that turned a finding into `waived` (see checker.waivers)."""

    id: str
    justification: Text
    author: str
    approved_by: str
    approved_on: str
    expires_on: str
    reference: str | None = None
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "justification": self.justification.to_json(),
            "author": self.author,
            "approved_by": self.approved_by,
            "approved_on": self.approved_on,
            "expires_on": self.expires_on,
            "reference": self.reference,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class Finding:
    policy_id: str
    standard: str
    clause: str
    item: str | None
    title: Text
    status: Status
    obligation: str
    applies_to: str
    verification: str
    message: Text
    evidence: tuple[EvidenceRef, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    interpretations: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[Text, ...] = ()
    policy_file: str | None = None
    overrides: tuple[ParameterChange, ...] = ()  # the profile's changes to this policy's parameters
    original_status: Status | None = None  # what the evaluation said, when a waiver or a profile's declaration changed it
    waiver: AppliedWaiver | None = None

    @property
    def citation(self) -> str:
        item = f" {self.item}" if self.item else ""
        return f"{self.standard} {self.clause}{item}"

    def sort_key(self) -> tuple[Any, ...]:
        return (self.standard, clause_key(self.clause), item_key(self.item), self.policy_id)

    @property
    def key(self) -> tuple[str, str | None]:
        """What identifies a finding across runs: its policy and item, never its position."""
        return (self.policy_id, self.item)

    @property
    def evidence_digest(self) -> str:
        """SHA-256 of what decided the verdict: each cited value with its note and content, and the operator's facts.

        Computed from the finding's own JSON fields (`evidence[].path`,
        `evidence[].note`, `evidence[].digest`, `facts`), so anyone can
        recompute it from the report, and check each `digest` against the
        bundle (checker.cited): a changed record, document or record file
        changes it. File, line and column and the list index in each path are
        left out, so reformatting the bundle or moving a record within its
        list or file does not change it.
        """
        return evidence_digest([(ref.path, ref.note, ref.digest) for ref in self.evidence], self.facts)

    def to_json(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "standard": self.standard,
            "clause": self.clause,
            "item": self.item,
            "citation": self.citation,
            "title": self.title.to_json(),
            "status": self.status.value,
            "obligation": self.obligation,
            "applies_to": self.applies_to,
            "verification": self.verification,
            "message": self.message.to_json(),
            "evidence": [ref.to_json() for ref in self.evidence],
            "parameters": dict(self.parameters),
            "interpretations": list(self.interpretations),
            "related": list(self.related),
            "facts": dict(self.facts),
            "notes": [note.to_json() for note in self.notes],
            "policy_file": self.policy_file,
            "overrides": [change.to_json() for change in self.overrides],
            "original_status": self.original_status.value if self.original_status else None,
            "waiver": self.waiver.to_json() if self.waiver else None,
            "evidence_digest": self.evidence_digest,
        }


_INDEX = re.compile(r"\[\d+\]")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def evidence_digest(evidence: Iterable[tuple[str, str | None, str | None]], facts: Mapping[str, Any]) -> str:
    """The digest `Finding.evidence_digest` documents, from plain values (as read back from a JSON report).

    The SHA-256 of the canonical JSON of `{"evidence": [[path, note, digest], ...], "facts": {...}}`, each
    path with its list indexes written `[*]` and the entries sorted by their canonical JSON.
    """
    entries = sorted(([_INDEX.sub("[*]", path), note, digest] for path, note, digest in evidence), key=_canonical)
    return hashlib.sha256(_canonical({"evidence": entries, "facts": facts}).encode("utf-8")).hexdigest()


_PART = re.compile(r"\d+|[A-Za-z]+")


def clause_key(clause: str) -> tuple[tuple[int, int, str], ...]:
    """Numeric clause order: 4.2 < 4.10 < 10 < A < A.1 < B.1."""
    parts = []
    for token in _PART.findall(clause):
        if token.isdigit():
            parts.append((0, int(token), ""))
        else:
            parts.append((1, 0, token))
    return tuple(parts)


def item_key(item: str | None) -> tuple[tuple[int, int, str], ...]:
    """Order of lettered items: None first, then a) < b) < ... < a) 4) < b) 1)."""
    if item is None:
        return ()
    return tuple((0, 0, tok) if not tok.isdigit() else (1, int(tok), "") for tok in _PART.findall(item))


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=Finding.sort_key))


def summarize(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {status.value: 0 for status in Status}
    for finding in findings:
        counts[finding.status.value] += 1
    return counts


def exit_code(findings: Iterable[Finding]) -> int:
    return 1 if any(f.status in FAILING for f in findings) else 0
