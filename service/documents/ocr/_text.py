"""Text clean-up shared by the text layer and OCR: the spaces some producers put inside Chinese."""
from __future__ import annotations

import re

# Ideographs (with extension A, compatibility and the supplementary planes), kana, CJK symbols
# and punctuation, and the full-width forms block. U+3000, the ideographic space, is excluded:
# it is one of the spaces to remove.
_CJK = (
    "\u2e80-\u2fdf"
    "\u3001-\u303f"
    "\u3040-\u30ff"
    "\u3400-\u4dbf"
    "\u4e00-\u9fff"
    "\uf900-\ufaff"
    "\ufe30-\ufe4f"
    "\uff00-\uffef"
    "\U00020000-\U0003134f"
)
_SPACES = " \t\u00a0\u2000-\u200b\u202f\u3000"
_GAP = re.compile(f"(?<=[{_CJK}])[{_SPACES}]+(?=[{_CJK}])")


def fix_cjk_spacing(text: str) -> str:
    """Remove spaces that stand between two CJK characters; every other space stays."""
    return _GAP.sub("", text)

