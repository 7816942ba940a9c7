"""The browser sweep's checks, shared by the sweeps of seeded and of unseeded states: what a page shows in the
other language or as an internal code, how wide it is, and what axe-core finds."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.web.labels import VALUES

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".local" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|document:")
HAN = re.compile(r"[\u3400-\u9fff\uff0c\u3001\uff1b\uff1a\u3002\uff08\uff09]+")
ENGLISH_WORD = re.compile(r"\b[A-Za-z][a-z]{2,}\b")
# names of formats and standards that Chinese office software shows as they are
ENGLISH_KEPT = {"Excel", "Word"}
# the page's own text: what a reader sees, and the titles, placeholders and labels that assistive tech reads
VISIBLE_TEXT = """() => {
  const skip = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "TEXTAREA"]);
  const out = [document.title];
  const walk = (node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) { out.push(child.textContent); continue; }
      if (child.nodeType !== Node.ELEMENT_NODE || skip.has(child.tagName)) continue;
      if (child.matches(".lang, .raw-record")) continue;
      for (const name of ["title", "placeholder", "aria-label", "alt"]) {
        if (child.hasAttribute(name)) out.push(child.getAttribute(name));
      }
      if (child.tagName === "INPUT" && ["submit", "button"].includes(child.type)) out.push(child.value);
      walk(child);
    }
  };
  walk(document.body);
  return out.join("\\n");
}"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.impact} ${v.id}: ${v.help} [${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}]`);
}"""


def typed_data(services) -> list[str]:
    """What people entered (an admin's codes and names in both languages among it), and the choices
    templates offer: longest first, to be taken out of a page's text."""
    found = set()
    for key, template in services.templates.all().items():  # the admin pages edit keys and both names
        found |= {key} | strings(template.get("label"))
    for kind in services.doc_types.all(include_retired=True):
        found |= strings([kind["code"], kind["label_zh"], kind["label_en"]])
    for policy in services.db["retention_policies"].find({}, {"name": 1}):
        found |= strings([policy.get("name")])
    for user in services.db["users"].find({}, {"username": 1, "display_name": 1, "department": 1}):
        found |= strings([user.get("username"), user.get("display_name"), user.get("department")])
    for doc in services.db["files"].find({}):
        found |= strings([doc.get(k) for k in ("name", "archive_no", "department", "owner", "fields",
                                                   "classification", "location")])
    for doc in services.db["loans"].find({}, {"purpose": 1}):
        found |= strings([doc.get("purpose")])
    for doc in services.db["documents"].find({}, {"title": 1}):
        found |= strings([doc.get("title")])
    found.add("合同纠纷")
    # the built-in choices, stages and customer types are stored in Chinese and shown in the reader's language
    return sorted((s for s in found - VALUES if s.strip()), key=len, reverse=True)


def strings(value) -> set[str]:
    """Every string in a value, nested lists and dicts included."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(strings(v) for v in value)) if value else set()
    return set()


def page_problems(page, path: str, language: str, width: int, data: list[str], errors: list[str]) -> list[str]:
    """What is wrong with the page on screen, each as one line."""
    found = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        found.append(f"{scroll} px wide")
    text = page.evaluate(VISIBLE_TEXT)
    for value in data:
        text = text.replace(value, " ")
    found += [f"code {m!r}" for m in sorted(set(CODE.findall(text)))]
    if language == "en":
        found += [f"Chinese {m!r}" for m in sorted(set(HAN.findall(text)))]
    else:
        found += [f"English {m!r}" for m in sorted(set(ENGLISH_WORD.findall(text)) - ENGLISH_KEPT)]
    found += errors
    errors.clear()
    return [f"{language} {width} {path}: {p}" for p in found]


def axe_findings(page, live_server: str) -> list[str]:
    """Serious and critical violations axe-core finds on the page (served from the site: the CSP allows only it)."""
    page.add_script_tag(url=f"{live_server}/__axe__/axe.min.js")
    return page.evaluate(AXE_RUN)


def watched(page) -> list[str]:
    """Serve axe-core to the page from the local install, and collect its console errors (the list returned)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (scripts/install-axe)")
    page.route("**/__axe__/axe.min.js", lambda route: route.fulfill(path=str(AXE),
                                                                    content_type="application/javascript"))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"script error {e}"))
    return errors
