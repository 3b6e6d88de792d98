"""Control plane of the embedded endpoint: assistants."""

from __future__ import annotations

import pytest

from .conftest import V25, V26, Api


def test_new_assistant_is_initializing_then_ready_on_first_describe(api: Api, conform) -> None:
    created = api.post("assistants", json={"name": "demo", "instructions": "be brief", "metadata": {}})
    conform(V25, "create_assistant", created)
    assert created.json()["status"] == "Initializing"
    assert created.json()["metadata"] == {}
    described = api.get("assistants/demo")
    conform(V25, "get_assistant", described)
    assert described.json()["status"] == "Ready"
    assert described.json()["instructions"] == "be brief"


def test_assistant_stays_initializing_until_the_configured_delay_passes(make_api) -> None:
    api = make_api(assistant_ready_seconds=3600)
    api.create_assistant("slow")
    assert api.get("assistants/slow").json()["status"] == "Initializing"


def test_host_points_back_at_the_endpoint(api: Api) -> None:
    assert api.create_assistant()["host"] == "http://testserver"


def test_public_url_overrides_the_host(make_api) -> None:
    api = make_api(public_url="http://example.test:9000/")
    assert api.create_assistant()["host"] == "http://example.test:9000"


def test_region_is_reported_under_2026_04_only(api: Api, api26: Api, conform) -> None:
    assert "region" not in api.create_assistant("a", region="eu")
    created = api26.post("assistants", json={"name": "b", "region": "eu"})
    conform(V26, "create_assistant", created)
    assert created.json()["region"] == "eu"


def test_list_assistants_returns_every_assistant_under_2025_10(api: Api, conform) -> None:
    for i in range(3):
        api.create_assistant(f"a{i}")
    listed = api.get("assistants", params={"limit": 1})
    conform(V25, "list_assistants", listed)
    assert [a["name"] for a in listed.json()["assistants"]] == ["a0", "a1", "a2"]
    assert "pagination" not in listed.json()


def test_list_assistants_paginates_under_2026_04(api26: Api, conform) -> None:
    for i in range(5):
        api26.create_assistant(f"a{i}")
    names: list[str] = []
    token = None
    pages = 0
    while True:
        params = {"limit": 2, **({"pagination_token": token} if token else {})}
        page = api26.get("assistants", params=params)
        conform(V26, "list_assistants", page)
        body = page.json()
        names += [a["name"] for a in body["assistants"]]
        pages += 1
        token = (body.get("pagination") or {}).get("next")
        if not token:
            break
    assert names == ["a0", "a1", "a2", "a3", "a4"]
    assert pages == 3


def test_update_replaces_instructions_and_metadata_and_answers_the_whole_assistant(api: Api, conform) -> None:
    api.create_assistant(metadata={"a": 1})
    updated = api.request("PATCH", "assistants/demo", json={"instructions": "new"})
    conform(V25, "update_assistant", updated)
    described = api.get("assistants/demo").json()
    assert updated.json() == described
    assert (described["name"], described["instructions"], described["metadata"]) == ("demo", "new", {"a": 1})
    updated = api.request("PATCH", "assistants/demo", json={"metadata": {"b": 2}})
    assert updated.json()["metadata"] == {"b": 2}
    assert api.get("assistants/demo").json()["instructions"] == "new"


def test_delete_removes_the_assistant_and_its_files(api: Api, conform) -> None:
    api.create_assistant()
    api.upload("demo", "a.txt", "hello world")
    deleted = api.request("DELETE", "assistants/demo")
    conform(V25, "delete_assistant", deleted)
    assert deleted.status_code == 200
    assert not deleted.content
    terminating = api.get("assistants/demo")
    conform(V25, "get_assistant", terminating)
    assert terminating.json()["status"] == "Terminating"
    assert api.get("assistants/demo").status_code == 404
    assert api.get("assistants").json()["assistants"] == []
    api.create_assistant()
    assert api.get("files/demo").json()["files"] == []


@pytest.mark.parametrize("name", ["Demo", "-demo", "demo-", "a" * 64, "de mo", ""])
def test_invalid_assistant_names_are_rejected(api: Api, name: str, conform) -> None:
    response = api.post("assistants", json={"name": name})
    conform(V25, "create_assistant", response)
    assert response.status_code == 400
    assert "name" in response.json()["error"]["message"]


def test_duplicate_assistant_name_is_rejected_without_touching_the_original(api: Api, conform) -> None:
    api.create_assistant(instructions="first")
    response = api.post("assistants", json={"name": "demo", "instructions": "second"})
    conform(V25, "create_assistant", response)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ALREADY_EXISTS"
    assert api.get("assistants/demo").json()["instructions"] == "first"


def test_instructions_and_metadata_may_be_null(api: Api) -> None:
    created = api.post("assistants", json={"name": "nulls", "instructions": None, "metadata": None})
    assert created.status_code == 200
    assert (created.json()["instructions"], created.json()["metadata"]) == (None, None)
    assert api.post("assistants", json={"name": "nulls2", "region": None}).status_code == 400


def test_oversized_instructions_are_rejected(api: Api) -> None:
    response = api.post("assistants", json={"name": "big", "instructions": "x" * (16 * 1024 + 1)})
    assert response.status_code == 400
    assert "16 KB" in response.json()["error"]["message"]
