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


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_placeholders_do_not_shadow_the_lookup(key):
    """text(key, lang, **params): a placeholder named key or lang could not be filled."""
    assert not _fields(MESSAGES[key][0]) & {"key", "lang"}, key


def test_no_bilingual_error_strings_left_in_views():
    """Saved-view errors are coded (rendered per language), not "中文… (english)" split by a regex."""
    from outputs.views import ViewError, save_view

    with pytest.raises(ViewError) as exc:
        save_view(None, "", "funding", {})
    assert exc.value.message("zh") == "视图名称不能为空。" and exc.value.message("en") == "A view needs a name."
    assert isinstance(exc.value, ValueError)
