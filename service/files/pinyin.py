"""Pinyin keys of Chinese names, for search and duplicate checks (张伟 -> zhangwei, zw)."""
from __future__ import annotations

import re
import unicodedata

from pypinyin import Style
from pypinyin import lazy_pinyin


def name_keys(name: str) -> tuple[str, str]:
    """The full pinyin without tones and the initials, both lower-case without spaces."""
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s.strip()]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return full, initials


def sound_key(name: str) -> str:
    """The name as it sounds, for duplicate checks: pinyin of the Chinese characters with any
    Latin letters and digits kept (NFKC-folded), lower-case, nothing else (张 伟 -> zhangwei)."""
    folded = unicodedata.normalize("NFKC", name or "")
    spoken = "".join(lazy_pinyin(folded, style=Style.NORMAL)).lower()
    return re.sub(r"[^a-z0-9]", "", spoken)
