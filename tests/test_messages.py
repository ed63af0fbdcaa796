"""The message catalogue: every key in both languages, the same placeholders in both, coded errors render in each."""
from __future__ import annotations

import string

import pytest

from common.messages import MESSAGES, CodedError, text


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_both_languages_with_the_same_placeholders(key):
    zh, en = MESSAGES[key]
    assert zh.strip() and en.strip(), key
    assert _fields(zh) == _fields(en), key


def test_coded_error_renders_in_each_language():
    err = CodedError("shown_first", k=3, n=9)
    assert str(err) == text("shown_first", "zh", k=3, n=9) == "仅显示前3条，共9条。"
    assert err.message("en") == "Showing the first 3 of 9."
