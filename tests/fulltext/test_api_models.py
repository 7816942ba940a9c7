"""Search's API models: the served description of its parameters and results."""
from __future__ import annotations


def test_search_is_described_with_repeatable_facets_and_its_results(client, archivist):
    doc = client.get("/api/v1/openapi.json").get_json()
    search = doc["paths"]["/api/v1/search"]["get"]
    parameters = {p["name"]: p for p in search["parameters"]}
    assert set(parameters) == {"q", "doc_type", "customer_type", "stage", "project", "date_from", "date_to", "sort",
                               "page", "per_page"}
    assert parameters["doc_type"]["schema"]["type"] == "array"
    assert parameters["sort"]["schema"]["enum"] == ["relevance", "date"]
    assert set(search["responses"]) == {"200", "400", "401", "403", "422"}
    answer = client.get("/api/v1/search", headers=archivist,
                        query_string=[("q", "合同"), ("project", "锦绣澜庭"), ("project", "江南华府")])
    assert answer.status_code == 200 and answer.get_json()["total"] == 0
