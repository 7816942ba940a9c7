"""Pinyin keys of Chinese names, for search and duplicate checks (张伟 -> zhangwei, zw)."""
from __future__ import annotations

from pypinyin import Style
from pypinyin import lazy_pinyin


def name_keys(name: str) -> tuple[str, str]:
    """The full pinyin without tones and the initials, both lower-case without spaces."""
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s.strip()]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return full, initials
