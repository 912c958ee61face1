"""Formatting never changes the data and is idempotent, whatever layout the input had."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.formatting import POLICY_ORDER, format_text

KEYS = st.sampled_from(["id", "standard", "clause", "title", "zh", "en", "check", "rule", "items", "x_extra", "说明"])
TEXT = st.text(alphabet="abc xyz中文，。:-#'\"{}[]", min_size=0, max_size=30)
SCALARS = st.one_of(TEXT, st.integers(-1000, 1000), st.booleans(), st.none(), st.floats(-1e6, 1e6, allow_nan=False))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
                      max_leaves=20)
DOCUMENTS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.sampled_from([None, True, False]), st.sampled_from([2, 4]), st.sampled_from([20, 80, 1000]),
       st.sampled_from([None, '"', "'"]), st.booleans())
def test_format_keeps_data_and_is_idempotent(data, flow, indent, width, style, unicode):
    text = yaml.safe_dump(data, allow_unicode=unicode, default_flow_style=flow, indent=indent, width=width, sort_keys=False,
                          default_style=style)
    once = format_text(text, "generated.yaml", POLICY_ORDER)  # raises if the data changed
    assert format_text(once, "generated.yaml", POLICY_ORDER) == once
    assert "\\u" not in once or "\\u" in text
