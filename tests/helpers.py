"""Paths the tests share."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"

# The shipped standards and the SHA-256 of their texts, as standards/manifest.json records them.
DB33_SHA256 = "452d48ee9024ee9e27bd1093607deaf23076933047587a010e998bd89e9b1c16"
NJ_ECCS_SHA256 = "579b6c97917c47a34668b82a7bf1f78cd59505cea6896086b3459567e9866e85"
STANDARD_TEXTS = [
    {"standard": "DB33/T 2039-2017", "file": "standards/DB33-T-2039-2017.txt", "sha256": DB33_SHA256},
    {"standard": "NJ-ECCS", "file": "standards/NJ-ECCS.txt", "sha256": NJ_ECCS_SHA256},
]
STANDARD_TEXT_LINES = (f"standard DB33/T 2039-2017: text sha256 {DB33_SHA256}\n"
                       f"standard NJ-ECCS: text sha256 {NJ_ECCS_SHA256}\n")
