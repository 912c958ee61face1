"""Stable problem codes. A code is never reused for another meaning.

ECS0xx: usage and files; ECS1xx: policies; ECS2xx: parsing;
ECS3xx: evidence bundles; ECS4xx: profiles and waivers; ECS5xx: the scoring model; ECS9xx: internal.
ECS3xx: evidence bundles; ECS4xx: profiles and waivers; ECS9xx: internal.
"""

from __future__ import annotations

CODES: dict[str, str] = {
    "ECS001": "invalid command-line usage or option value",
    "ECS002": "file or directory not found or not readable",
    "ECS003": "input larger than the configured limit",
    "ECS004": "output file cannot be written",
    "ECS005": "configuration file (ecs-check.yaml) is invalid",
    "ECS006": "a shipped standard's text does not match the SHA-256 in standards/manifest.json",
    "ECS007": "a file given to diff or --baseline is not an ecs-check JSON report (schema 1.x)",
    "ECS101": "policy does not match schemas/policy.schema.json",
    "ECS102": "two policies share one id",
    "ECS103": "policy id does not match its path under the policy root",
    "ECS104": "unknown operator or invalid operator arguments in a check",
    "ECS105": "JSONPath does not parse or is not allowed",
    "ECS106": "check uses a parameter the policy does not declare",
    "ECS107": "policy cites an interpretation that does not exist",
    "ECS108": "standard or clause not in the clause inventory",
    "ECS109": "a lettered item of the clause is neither checked nor marked out of scope",
    "ECS110": "parameter value has the wrong type or is out of range",
    "ECS111": "JSONPath points outside the policy's evidence schema",
    "ECS112": "message template uses an unknown placeholder",
    "ECS113": "a lettered item appears more than once in check.items",
    "ECS114": "policy test case file is invalid",
    "ECS115": "the quoted text is not its clause's text in the shipped standard, or is not pinned by its SHA-256",
    "ECS116": "a policy of a shipped standard quotes no text",
    "ECS117": "a related link between two policies of one root goes one way only",
    "ECS201": "file is not UTF-8 text",
    "ECS202": "file contains a NUL byte",
    "ECS203": "YAML syntax error",
    "ECS204": "JSON syntax error",
    "ECS205": "duplicate key in a mapping",
    "ECS206": "YAML aliases and merge keys are not accepted",
    "ECS207": "YAML tag not accepted",
    "ECS208": "more than one YAML document in a file",
    "ECS209": "nesting deeper than the limit",
    "ECS210": "mapping key is not a string",
    "ECS211": "number is not finite or too large",
    "ECS212": "wrong top-level type",
    "ECS213": "text escape is an unpaired UTF-16 surrogate, not a character",
    "ECS301": "bundle does not match schemas/bundle.schema.json",
    "ECS302": "bundle value is impossible or inconsistent",
    "ECS303": "unknown time zone",
    "ECS304": "attachment path is absolute or leaves the bundle directory",
    "ECS305": "attachment resolves outside the bundle directory (symlink)",
    "ECS306": "two records in one list share an id",
    "ECS320": "record file not found or not readable",
    "ECS321": "record file's SHA-256 differs from the declared one",
    "ECS322": "record file does not match its declared format or columns",
    "ECS323": "a value in a record file does not match the bundle schema",
    "ECS324": "timestamp without a UTC offset on a day its time zone changes offset",
    "ECS501": "NJ-ECCS scoring model does not match schemas/scoring.schema.json or is inconsistent",
    "ECS401": "profile does not match schemas/profile.schema.json",
    "ECS402": "profile names a standard, policy, item or parameter that does not exist or is not selected",
    "ECS403": "profile parameter value has the wrong type or is out of range",
    "ECS404": "profile loosens a parameter the standard does not allow to be adjusted",
    "ECS405": "profile selects no policy, or an include or exclude pattern matches none",
    "ECS406": "profile is written for the other organization role",
    "ECS407": "profile sets a parameter, declares an item or excludes a pattern twice",
    "ECS411": "waivers file does not match schemas/waivers.schema.json",
    "ECS412": "two waivers share an id",
    "ECS413": "waiver is approved by its own author",
    "ECS414": "waiver expires before it was approved",
    "ECS415": "more active waivers than --max-waivers allows",
    "ECS901": "internal error",
}


def markdown_table() -> str:
    """The README's table of codes, generated from `CODES` (a test keeps the two equal)."""
    lines = ["| code | meaning |", "|---|---|"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in sorted(CODES.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(markdown_table())
