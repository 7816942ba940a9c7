"""The reactions and checks between areas that service/events.py declares, as people meet them, and the rule
that holds the registry together: the composition root wires services through their constructors only."""
from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import pytest

from service import events
from service.errors import Conflict
from service.events import EventBus
from service.events import FileWritten
from service.events import LoanDecided
from service.events import LoanRequested
from service.events import MergeRequested
from service.events import ShareRequested
from service.events import UserDeactivating
from service.events import always
from storage import StorageUnavailable
from tests.support.files import individual
from tests.support.jobs import drain
from tests.support.sharing import ready_share

WIRING = Path(__file__).resolve().parents[1] / "service" / "wiring.py"
OUT_OF_THE_ARCHIVE = "纸质档案已借出，归还后才能合并"
HOLDS_A_FOLDER = "仍有借出未还的纸质档案，不能停用"


def _declared(services) -> dict:
    return events.handlers(retention=services.retention, followups=services.followups, index=services.index_queue,
                           notices=services.notices, loans=services.loans, loan_desk=services.loan_desk,
                           privacy=services.privacy)


# -- reactions ---------------------------------------------------------------------------------
def test_a_file_written_reaches_retention_follow_ups_and_the_search_index(office, services, client):
    office.policy(years=10)
    made = office.file(ended="2000-06-30", name="欧阳娜娜", classification={"stage": "成交", "project": "JXLT"})
    assert services.retention.repo.state(made["id"])["destroy_after"].startswith("2010-")
    assert services.db["followups"].count_documents({"file_id": made["id"], "status": "open"}) > 0
    drain(services)
    found = client.get("/api/v1/search", headers=office.h["keeper"], query_string={"q": "欧阳娜娜"})
    assert found.get_json()["total"] == 1


def test_when_retention_fails_after_a_write_follow_ups_wait_and_the_index_still_hears(office, services, monkeypatch):
    def database_gone(*args, **kwargs):
        raise StorageUnavailable("database", "ServerSelectionTimeoutError")
    monkeypatch.setattr(services.retention, "recompute", database_gone)
    response = office.client.post("/api/v1/files", headers=office.h["keeper"],
                                  json=individual(name="林晓", classification={"stage": "成交"}))
    assert response.status_code == 503  # the error reaches the person, as before the registry
    written = services.db["files"].find_one({"name": "林晓"})
    assert services.db["followups"].count_documents({"file_id": str(written["_id"])}) == 0
    assert services.db["jobs"].count_documents({"kind": "index"}) == 1


def test_a_decision_on_a_request_reaches_the_borrower_as_a_notice(desk, services):
    f = desk.file()
    refused = desk.ask("clerk", f["id"], kind="digital")
    assert desk.post("boss", f"/loans/{refused}/reject", {"reason": "用途不明"}).status_code == 200
    clerk = services.users.by_username("clerk")
    total, rows = services.notices.list(clerk)
    assert total == 1 and rows[0]["kind"] == "loan.rejected" and rows[0]["reason"] == "用途不明"
    services.events.publish(LoanDecided(services.loans.repo.by_id(refused)))  # told again: nothing new
    assert services.notices.list(clerk)[0] == 1


# -- checks ------------------------------------------------------------------------------------
def test_a_person_with_a_folder_out_cannot_be_deactivated_until_it_is_back(desk, services):
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    assert services.events.refusal(UserDeactivating("clerk")) == HOLDS_A_FOLDER
    assert services.events.refusal(UserDeactivating("clerk2")) is None
    clerk = services.users.by_username("clerk")
    with pytest.raises(Conflict):
        services.users.set_active(clerk.id, False)
    assert services.users.by_username("clerk").active
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"}).status_code == 200
    assert services.events.refusal(UserDeactivating("clerk")) is None
    assert not services.users.set_active(clerk.id, False).active


def test_a_lent_folder_cannot_be_merged_either_way_until_it_is_back(desk, services):
    lent, other = desk.file(), desk.file(name="张伟")
    loan = desk.out("clerk", lent["id"])
    assert services.events.refusal(MergeRequested(lent["id"], other["id"])) == OUT_OF_THE_ARCHIVE
    assert services.events.refusal(MergeRequested(other["id"], lent["id"])) == OUT_OF_THE_ARCHIVE
    refused = desk.post("keeper", f"/files/{other['id']}/merge", {"into": lent["id"], "reason": "重复登记"})
    assert refused.status_code == 409 and refused.get_json()["error"]["fields"]["into"] == OUT_OF_THE_ARCHIVE
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"}).status_code == 200
    assert services.events.refusal(MergeRequested(other["id"], lent["id"])) is None


def test_an_erasure_request_refuses_new_loans_and_shares_of_its_file_only(desk, services):
    file, _, _ = ready_share(desk, services)
    other = desk.file(name="李娜")
    assert services.events.refusal(LoanRequested(file["id"])) is None
    recorded = desk.post("keeper", f"/files/{file['id']}/erasure", {"requester": "张伟本人", "reason": "要求删除"})
    assert recorded.status_code == 201, recorded.get_json()
    for check in (LoanRequested(file["id"]), ShareRequested(file["id"])):
        assert "删除请求" in services.events.refusal(check)
        assert list(services.events.refusals(check)) == [services.events.refusal(check)]
    assert services.events.refusal(LoanRequested(other["id"])) is None


# -- the registry ------------------------------------------------------------------------------
def test_a_restored_file_reaches_retention_then_always_the_index_but_no_follow_up(services):
    first, last = _declared(services)[events.FileRestored]
    assert first == services.retention.file_restored
    assert isinstance(last, events.always) and last.handler == services.index_queue.file_written


def test_every_event_and_check_has_its_handlers_declared(services):
    messages = {kind for kind in vars(events).values() if inspect.isclass(kind)
                and issubclass(kind, (events.Event, events.Check)) and kind not in (events.Event, events.Check)}
    assert set(_declared(services)) == messages
    assert all(dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen for kind in messages)


def test_no_built_service_exposes_a_public_list_to_add_callbacks_to(services):
    built = [getattr(services, field.name) for field in dataclasses.fields(services)]
    built = [service for service in built if type(service).__module__.startswith("service.")]
    assert len(built) > 40
    for service in built:
        for name, value in vars(service).items():
            assert name.startswith("_") or not isinstance(value, list), f"{type(service).__name__}.{name}"


def _is_services_attribute(node: ast.AST) -> bool:
    """`x.y` where x is not `self`: an attribute of something the wiring built."""
    return isinstance(node, ast.Attribute) and not (isinstance(node.value, ast.Name) and node.value.id == "self")


def test_the_wiring_sets_no_attribute_on_what_it_built_and_adds_to_no_list():
    tree = ast.parse(WIRING.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        found += [ast.unparse(target) for target in targets for part in ast.walk(target)
                  if _is_services_attribute(part)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("append", "extend", "insert", "add", "update", "setdefault") \
                and _is_services_attribute(node.func.value):
            found.append(ast.unparse(node))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            found.append(ast.unparse(node))
    assert found == []


# -- the bus -----------------------------------------------------------------------------------
def _bus(table: dict) -> EventBus:
    bus = EventBus()
    bus.connect(table)
    return bus


def test_handlers_run_in_order_and_the_first_error_stops_all_but_those_that_always_run():
    heard = []

    def fails(event):
        heard.append("fails")
        raise StorageUnavailable("database", "gone")
    bus = _bus({FileWritten: (lambda e: heard.append("first"), fails, lambda e: heard.append("skipped"),
                              always(lambda e: heard.append(f"always {e.file_id}")))})
    with pytest.raises(StorageUnavailable):
        bus.publish(FileWritten("f1"))
    assert heard == ["first", "fails", "always f1"]


def test_the_first_refusal_is_enough_and_the_later_checks_are_not_asked():
    asked = []

    def refuses(name):
        return lambda check: asked.append(name) or f"{name} refuses"
    bus = _bus({MergeRequested: (lambda check: asked.append("fine"), refuses("a"), refuses("b"))})
    assert bus.refusal(MergeRequested("f1", "f2")) == "a refuses"
    assert asked == ["fine", "a"]
    assert list(bus.refusals(MergeRequested("f1", "f2"))) == ["a refuses", "b refuses"]


def test_a_bus_is_connected_once_and_knows_only_declared_messages():
    bus = EventBus()
    with pytest.raises(RuntimeError):
        bus.publish(FileWritten("f1"))  # nothing may be lost to a bus that is not wired yet
    bus.connect({FileWritten: ()})
    with pytest.raises(RuntimeError):
        bus.connect({FileWritten: ()})
    with pytest.raises(LookupError):
        bus.publish(LoanDecided({}))
    with pytest.raises(TypeError):
        bus.publish(MergeRequested("f1", "f2"))  # a check is asked, not published
