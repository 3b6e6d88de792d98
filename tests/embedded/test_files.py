"""Files and operations of the embedded endpoint."""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import CORPUS, V25, V26, Api, load_corpus


def test_upload_under_2025_10_answers_the_available_file(api: Api, conform) -> None:
    api.create_assistant()
    response = api.upload("demo", "notes.txt", "Pine cones open in warm weather.", {"team": "docs"})
    conform(V25, "upload_file", response)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "Available"
    assert body["name"] == "notes.txt"
    assert body["metadata"] == {"team": "docs"}
    assert body["size"] == len(b"Pine cones open in warm weather.")


def test_upload_under_2026_04_answers_202_with_an_operation_and_location(api26: Api, conform) -> None:
    api26.create_assistant()
    response = api26.upload("demo", "notes.md", "# Notes\n\nPine cones open.", {"team": "docs"})
    conform(V26, "upload_file", response)
    assert response.status_code == 202
    op = response.json()
    assert op["operation_type"] == "upload_file"
    assert op["status"] == "Completed"
    assert response.headers["location"] == f"/operations/demo/{op['id']}"
    described = api26.get(f"operations/demo/{op['id']}")
    conform(V26, "describe_operation", described)
    assert described.json() == op
    file = api26.get(f"files/demo/{op['file_id']}").json()
    assert file["metadata"] == {"team": "docs"}
    assert file["status"] == "Available"


def test_files_stay_processing_until_the_configured_delay_passes(make_api) -> None:
    api = make_api(file_processing_seconds=3600)
    api.create_assistant()
    body = api.upload("demo", "a.txt", "alpha beta gamma").json()
    assert body["status"] == "Processing"
    assert api.get(f"files/demo/{body['id']}").json()["status"] == "Processing"
    answer = api.chat("demo", "alpha").json()
    assert answer["citations"] == []


def test_unreadable_file_fails_processing_without_losing_other_files(api: Api, conform) -> None:
    api.create_assistant()
    good = api.uploaded_id(api.upload("demo", "good.txt", "Lighthouses guide ships at night."))
    bad = api.upload("demo", "broken.pdf", b"%PDF-1.4 this is not really a pdf")
    conform(V25, "upload_file", bad)
    assert bad.status_code == 200
    assert bad.json()["status"] == "ProcessingFailed"
    assert bad.json()["error_message"]
    invalid_json = api.upload("demo", "data.json", "{not json")
    assert invalid_json.json()["status"] == "ProcessingFailed"
    assert "JSON" in invalid_json.json()["error_message"]
    listed = {f["id"]: f["status"] for f in api.get("files/demo").json()["files"]}
    assert listed[good] == "Available"
    answer = api.chat("demo", "What guides ships?").json()
    assert answer["citations"][0]["references"][0]["file"]["id"] == good


def test_failed_upload_under_2026_04_is_a_failed_operation(api26: Api) -> None:
    api26.create_assistant()
    op = api26.upload("demo", "latin1.txt", "caf\xe9".encode("latin-1")).json()
    assert op["status"] == "Failed"
    assert "UTF-8" in op["error_message"]
    assert op["ingestion_units"] is None


@pytest.mark.parametrize("name", ["image.png", "archive.zip", "noextension"])
def test_unsupported_file_types_are_rejected_at_upload(api: Api, name: str, conform) -> None:
    api.create_assistant()
    response = api.upload("demo", name, b"\x89PNG")
    conform(V25, "upload_file", response)
    assert response.status_code == 400
    assert ".pdf, .txt, .md, .json or .docx" in response.json()["error"]["message"]
    assert api.get("files/demo").json()["files"] == []


def test_metadata_must_be_a_flat_object(api: Api) -> None:
    api.create_assistant()
    for metadata, fragment in [
        ("[1]", "JSON object"),
        ('{"a": {"b": 1}}', "nested"),
        ('{"a": null}', "null"),
        ('{"$a": 1}', "not allowed"),
        ('{"a": [1, 2]}', "lists"),
        ("{oops", "not valid JSON"),
    ]:
        response = api.post(
            "files/demo", files={"file": ("a.txt", b"hi there")}, params={"metadata": metadata}
        )
        assert response.status_code == 400, metadata
        assert fragment in response.json()["error"]["message"], metadata


def test_metadata_placement_follows_the_version(api: Api, api26: Api) -> None:
    for client in (api, api26):
        client.create_assistant()
    as_query = api26.post(
        "files/demo", files={"file": ("a.txt", b"hi")}, params={"metadata": json.dumps({"a": "b"})}
    )
    assert as_query.status_code == 400
    assert "multipart form field" in as_query.json()["error"]["message"]
    as_form = api.post("files/demo", files={"file": ("a.txt", b"hi")}, data={"metadata": '{"a": "b"}'})
    assert as_form.status_code == 400
    assert "query parameter" in as_form.json()["error"]["message"]


def test_upload_without_a_file_part_is_rejected(api: Api) -> None:
    api.create_assistant()
    response = api.post("files/demo", files={"document": ("a.txt", b"hi")})
    assert response.status_code == 400
    assert "'file'" in response.json()["error"]["message"]
    not_multipart = api.post("files/demo", content=b"hello", headers={"Content-Type": "text/plain"})
    assert not_multipart.status_code == 400


def test_list_files_filters_by_metadata(api: Api, conform) -> None:
    ids = load_corpus(api)
    response = api.get("files/demo", params={"filter": json.dumps({"year": {"$gte": 2021}})})
    conform(V25, "list_files", response)
    assert {f["id"] for f in response.json()["files"]} == {ids["pines.txt"], ids["volcano.json"]}
    implicit = api.get("files/demo", params={"filter": json.dumps({"genre": "zoology"})}).json()
    assert [f["id"] for f in implicit["files"]] == [ids["otters.md"]]


def test_list_files_rejects_a_malformed_filter(api: Api, conform) -> None:
    load_corpus(api)
    response = api.get("files/demo", params={"filter": "{genre"})
    conform(V25, "list_files", response)
    assert response.status_code == 400
    bad_operator = api.get("files/demo", params={"filter": json.dumps({"year": {"$gt": "2020"}})})
    assert bad_operator.status_code == 400
    assert "filter.year.$gt" in bad_operator.json()["error"]["message"]


def test_list_files_paginates_under_2026_04(api26: Api, conform) -> None:
    api26.create_assistant()
    for i in range(5):
        api26.upload("demo", f"f{i}.txt", f"file number {i}")
    first = api26.get("files/demo", params={"limit": 3})
    conform(V26, "list_files", first)
    token = first.json()["pagination"]["next"]
    second = api26.get("files/demo", params={"limit": 3, "pagination_token": token}).json()
    names = [f["name"] for f in first.json()["files"] + second["files"]]
    assert names == [f"f{i}.txt" for i in range(5)]
    assert "pagination" not in second
    bad = api26.get("files/demo", params={"pagination_token": "garbage!"})
    assert bad.status_code == 400


def test_signed_url_serves_the_uploaded_bytes(api: Api, conform) -> None:
    api.create_assistant()
    file_id = api.uploaded_id(api.upload("demo", "a.txt", "exact bytes ✓"))
    plain = api.get(f"files/demo/{file_id}")
    assert plain.json()["signed_url"] is None
    malformed = api.get(f"files/demo/{file_id}", params={"include_url": "maybe"})
    assert malformed.status_code == 400
    assert "include_url must be 'true' or 'false'" in malformed.json()["error"]["message"]
    conform(V25, "describe_file", malformed)
    described = api.get(f"files/demo/{file_id}", params={"include_url": "true"})
    conform(V25, "describe_file", described)
    url = httpx.URL(described.json()["signed_url"])
    assert url.host == "testserver"
    fetched = api.get(url.raw_path.decode(), key=None, version=None)
    assert fetched.status_code == 200
    assert fetched.content == "exact bytes ✓".encode()
    tampered = api.get(url.path + "?expires=9999999999&signature=00", key=None, version=None)
    assert tampered.status_code == 403


def test_delete_file_under_2025_10_answers_200_and_the_file_is_gone(api: Api, conform) -> None:
    api.create_assistant()
    file_id = api.uploaded_id(api.upload("demo", "a.txt", "walrus tusks"))
    deleted = api.request("DELETE", f"files/demo/{file_id}")
    conform(V25, "delete_file", deleted)
    assert deleted.status_code == 200
    deleting = api.get(f"files/demo/{file_id}")
    conform(V25, "describe_file", deleting)
    assert deleting.json()["status"] == "Deleting"
    assert api.get("files/demo").json()["files"] == []
    gone = api.get(f"files/demo/{file_id}")
    conform(V25, "describe_file", gone)
    assert gone.status_code == 404
    assert api.chat("demo", "walrus tusks").json()["citations"] == []


def test_delete_file_under_2026_04_answers_an_operation_or_204_for_failed_files(api26: Api, conform) -> None:
    api26.create_assistant()
    good = api26.upload("demo", "a.txt", "walrus").json()["file_id"]
    failed = api26.upload("demo", "b.pdf", b"not a pdf").json()["file_id"]
    deleted = api26.request("DELETE", f"files/demo/{good}")
    conform(V26, "delete_file", deleted)
    assert deleted.status_code == 202
    assert deleted.json()["operation_type"] == "delete_file"
    immediate = api26.request("DELETE", f"files/demo/{failed}")
    conform(V26, "delete_file", immediate)
    assert immediate.status_code == 204


def test_upsert_creates_then_replaces_a_file_under_the_chosen_id(api26: Api, conform) -> None:
    api26.create_assistant()
    first = api26.request(
        "PUT", "files/demo/handbook-1", files={"file": ("v1.txt", b"Version one talks about herons.")}
    )
    conform(V26, "upsert_file", first)
    assert first.status_code == 202
    assert first.json()["operation_type"] == "upsert_file"
    created_on = api26.get("files/demo/handbook-1").json()["created_on"]
    second = api26.request(
        "PUT",
        "files/demo/handbook-1",
        files={"file": ("v2.txt", b"Version two talks about egrets.")},
        data={"metadata": '{"v": 2}'},
    )
    assert second.status_code == 202
    file = api26.get("files/demo/handbook-1").json()
    assert (file["name"], file["metadata"], file["created_on"]) == ("v2.txt", {"v": 2}, created_on)
    assert len(api26.get("files/demo").json()["files"]) == 1
    assert api26.chat("demo", "herons").json()["citations"] == []
    assert api26.chat("demo", "egrets").json()["citations"]


def test_upsert_rejects_an_invalid_id_and_is_not_found_under_2025_10(api: Api, api26: Api) -> None:
    api26.create_assistant()
    bad = api26.request("PUT", "files/demo/bad.id", files={"file": ("a.txt", b"x")})
    assert bad.status_code == 400
    api.create_assistant("old")
    old = api.request("PUT", "files/old/abc", files={"file": ("a.txt", b"x")})
    assert old.status_code == 404
    assert "2026-04" in old.json()["error"]["message"]


def test_operations_list_newest_first_with_filters_and_pages(api26: Api, conform) -> None:
    api26.create_assistant()
    ids = [api26.upload("demo", f"{i}.txt", f"text {i}").json()["id"] for i in range(3)]
    api26.upload("demo", "bad.pdf", b"nope")
    listed = api26.get("operations/demo")
    conform(V26, "list_operations", listed)
    ops = listed.json()["operations"]
    assert [o["id"] for o in ops[1:]] == ids[::-1]
    failed = api26.get("operations/demo", params={"status": "Failed"}).json()["operations"]
    assert [o["status"] for o in failed] == ["Failed"]
    page = api26.get("operations/demo", params={"limit": 2}).json()
    rest = api26.get(
        "operations/demo", params={"limit": 2, "pagination_token": page["pagination"]["next"]}
    ).json()
    assert [o["id"] for o in page["operations"] + rest["operations"]] == [o["id"] for o in ops]
    assert api26.get("operations/demo", params={"status": "Done"}).status_code == 400


def test_unknown_operation_is_not_found(api26: Api, conform) -> None:
    api26.create_assistant()
    response = api26.get("operations/demo/nope")
    conform(V26, "describe_operation", response)
    assert response.status_code == 404


def test_every_corpus_file_gets_its_reference_type(api: Api) -> None:
    load_corpus(api)
    kinds = {}
    for name in CORPUS:
        question = CORPUS[name][0].split(".")[0]
        for snippet in api.post("chat/demo/context", json={"query": question}).json()["snippets"]:
            kinds[snippet["reference"]["file"]["name"]] = snippet["reference"]["type"]
    assert kinds["pines.txt"] == "text"
    assert kinds["otters.md"] == "markdown"
    assert kinds["volcano.json"] == "json"


def test_metadata_sent_as_a_file_part_is_read_as_the_field(api26: Api) -> None:
    api26.create_assistant()
    response = api26.post(
        "files/demo",
        files={
            "file": ("otters.txt", b"Sea otters float."),
            "metadata": ("meta.json", b'{"animal": "otter"}'),
        },
    )
    assert response.status_code == 202, response.text
    assert api26.get(f"files/demo/{response.json()['file_id']}").json()["metadata"] == {"animal": "otter"}
