"""Fail when a user-facing literal carries both languages, `中文 (english)`: messages go through Babel instead.

Looks at every string literal in service/, storage/ and search/ (docstrings aside) and at the templates.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Chinese text followed on the same line by an English gloss in ASCII parentheses; `%(name)s` is a placeholder.
GLOSS = r"[A-Za-z0-9 ,'{}:;/.-]"  # ASCII words, numbers and an f-string's {} in the parentheses, at least one letter
BILINGUAL = re.compile(r"[\u4e00-\u9fff][^\n\"'<>]*?(?<!%)\(\s*[A-Za-z0-9{]" + GLOSS + "*[A-Za-z]" + GLOSS + r"*\)")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def python_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each bilingual string literal in one Python module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = _docstrings(tree)
    skip |= {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
        else:
            continue
        if BILINGUAL.search(text):
            hits.append((node.lineno, text))
    return sorted(hits)


def template_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each bilingual phrase in one template."""
    return [(number, line.strip()) for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if BILINGUAL.search(line)]


def find(root: Path = ROOT) -> list[str]:
    """Every bilingual literal under the project's code and templates, as `path:line: text`."""
    found = []
    for folder in ("service", "storage", "search"):
        for path in sorted((root / folder).rglob("*.py")):
            found += [f"{path.relative_to(root)}:{line}: {text}" for line, text in python_literals(path)]
    for path in sorted((root / "templates").rglob("*.html")):
        found += [f"{path.relative_to(root)}:{line}: {text}" for line, text in template_literals(path)]
    return found


def main() -> int:
    found = find()
    for hit in found:
        print(hit)
    if found:
        print(f"{len(found)} bilingual literals: mark the Chinese text with N_() and translate it in the catalog",
              file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
