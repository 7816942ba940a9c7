"""Browser test: the start page of the people who run the archive follows a rebuild of the search index file by
file while `archive reindex` runs, and says when it is ready again, in Chinese and in English (1366×768)."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.support.browser import screenshot
from tests.support.browser import sign_in
from tests.support.files import individual

pytestmark = pytest.mark.browser


@contextmanager
def rebuilding(services, hold_at: int):
    """A rebuild in a thread, one file per batch, held after `hold_at` files until the block lets it go on."""
    held, go_on, failed = threading.Event(), threading.Event(), []

    def progress(done, total):
        if done == hold_at:
            held.set()
            assert go_on.wait(120)

    def run():
        try:
            services.search.reindex(progress, batch_size=1)
        except BaseException as exc:  # the test fails below, naming it
            failed.append(exc)
            held.set()

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    try:
        assert held.wait(120) and not failed, failed
        yield go_on
    finally:
        go_on.set()
        runner.join(timeout=120)
    assert not failed, failed


def test_the_start_page_follows_a_rebuild_of_the_search_index_in_both_languages(page, live_server, auth, services):
    auth.user("admin", ["admin"], department="信息部", display_name="管理员")
    keeper = auth.user("keeper", ["archivist"], department="档案室")
    for name in ("张伟", "李娜", "王芳"):
        services.files.create(keeper, individual(name=name))
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "admin")
    card = page.locator("#dash-search-index")
    for language, running, ready in (("zh", "正在重建… 已写入 1 / 3 卷档案", "正常"),
                                      ("en", "Being rebuilt… 1 / 3 files written", "OK")):
        page.goto(f"{live_server}/lang/{language}?next=/")
        page.evaluate("window.notReloaded = true")
        with rebuilding(services, hold_at=1) as go_on:
            expect(card).to_contain_text(running)
            screenshot(page, f"search-index-rebuilding-{language}")
            go_on.set()
            expect(card.locator("#search-index-state")).to_have_text(ready)
        expect(card.locator("#search-index-rebuild")).to_be_hidden()
        assert page.evaluate("window.notReloaded === true")
        screenshot(page, f"search-index-ready-{language}")
