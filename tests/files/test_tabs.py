"""The file page in tabs, as the server sends it: without a script every section is there under links to its
tab; the header offers what the sections offer; a form sent from a tab comes back to it."""
from __future__ import annotations

import re

from service.web.file_tabs import TABS
from tests.support.auth import csrf_from
from tests.support.files import register

SECTIONS = {"basic": ("fields", "classification", "location", "owner", "duplicates"), "documents": ("documents",),
            "loans": ("loans",), "followups": ("followups",), "retention": ("retention",),
            "history": ("versions", "intake"), "privacy": ("privacy", "corrections"), "sharing": ("sharing",)}


def _panels(page: str) -> dict[str, str]:
    """Each tab's panel, by the tab's name (the panels follow one another at the top level of the page)."""
    starts = [(m.group(1), m.start()) for m in re.finditer(r'<div class="tab-panel" id="tab-(\w+)">', page)]
    ends = [start for _, start in starts[1:]] + [page.index("</main>")]
    return {name: page[start:end] for (name, start), end in zip(starts, ends)}


def test_without_a_script_every_section_is_shown_under_links_to_its_tab(client, auth):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    file_id = register(client)
    page = client.get(f"/files/{file_id}").get_data(as_text=True)
    links = re.findall(r'<a href="#tab-(\w+)" id="tab-\w+-tab"', page)
    assert links == list(TABS)  # in the order people use them
    panels = _panels(page)
    assert list(panels) == list(TABS)
    for name, sections in SECTIONS.items():
        for section in sections:
            assert f'<section id="{section}"' in panels[name], (name, section)
    opening_tags = re.findall(r'<div class="tab-panel"[^>]*>', page)
    assert not any("hidden" in tag for tag in opening_tags)  # only the script hides a panel
    assert re.search(r'id="tab-documents-tab"[^>]*>[^<]+<span class="tab-count" data-count="tr.document">\(0\)', page)


def test_the_header_offers_exactly_the_actions_its_sections_offer(client, auth):
    auth.user("clerk", ["staff"])
    auth.user("shenji", ["auditor"])
    auth.login("clerk")
    file_id = register(client)
    clerk = client.get(f"/files/{file_id}").get_data(as_text=True)
    auth.logout()
    auth.login("shenji")
    auditor = client.get(f"/files/{file_id}").get_data(as_text=True)
    for page, may_act in ((clerk, True), (auditor, False)):
        head = page[page.index('id="file-actions"'):page.index('id="file-tabs"')]
        assert ('id="action-request-loan"' in head) is may_act is ('id="loan-form"' in page)
        assert ('id="action-upload"' in head) is may_act is ('id="upload-form"' in page)
        assert ('id="edit-file"' in head) is may_act
        assert 'id="print-label"' in head


def test_a_form_sent_from_a_tab_comes_back_to_that_tab(client, auth, desk):
    f = desk.file()
    auth.login("clerk")
    page = client.get(f"/files/{f['id']}").get_data(as_text=True)
    assert f'name="next" value="/files/{f["id"]}#tab-loans"' in page
    refused = client.post("/loans/request", data={"csrf_token": csrf_from(page), "next": f"/files/{f['id']}#tab-loans",
                                                  "file_id": f["id"], "kind": "physical", "purpose": "", "days": "3"})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/files/{f['id']}#tab-loans")
    asked = client.post(f"/files/{f['id']}/corrections", data={
        "csrf_token": csrf_from(page), "field": "fields.address", "value": "上海市世纪大道100号", "evidence": "来电"})
    assert asked.headers["Location"].endswith(f"/files/{f['id']}#tab-privacy")
    auth.logout()
    auth.login("keeper")
    page = client.get(f"/files/{f['id']}?tab=loans").get_data(as_text=True)
    assert f'name="next" value="/files/{f["id"]}#tab-retention"' in page  # the tab, never an older ?tab=
    held = client.post("/retention/holds", data={"csrf_token": csrf_from(page), "file_id": f["id"], "reason": "dispute",
                                                 "note": "合同纠纷", "next": f"/files/{f['id']}#tab-retention"})
    assert held.headers["Location"].endswith(f"/files/{f['id']}#tab-retention")
    assert 'id="file-held"' in client.get(held.headers["Location"]).get_data(as_text=True)
