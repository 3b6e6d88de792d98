"""2026-07 is the 2026-04 document with new version labels, reworded descriptions and one example trimmed."""

from __future__ import annotations

from typing import Any

from .spec_tools import load_spec, resolve

DOC_KEYS = frozenset({"description", "summary", "example", "examples"})


def _without_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_docs(v) for k, v in node.items() if k not in DOC_KEYS}
    if isinstance(node, list):
        return [_without_docs(v) for v in node]
    return node


def _relabel(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {k: _relabel(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_relabel(v, old, new) for v in node]
    return new if node == old else node


def test_2026_07_differs_from_2026_04_only_in_version_labels_descriptions_and_examples() -> None:
    old, new = load_spec("2026-04"), load_spec("2026-07")

    assert _without_docs(_relabel(old, "2026-04", "2026-07")) == _without_docs(new)
    assert old != new


def test_2026_07_version_header_defaults_to_2026_07() -> None:
    spec = load_spec("2026-07")
    header = spec["components"]["parameters"]["X-Pinecone-Api-Version"]

    assert spec["info"]["version"] == "2026-07"
    assert (header["schema"]["default"], header["example"], header["required"]) == (
        "2026-07",
        "2026-07",
        True,
    )


def test_2026_07_upload_documents_the_metadata_query_parameter_400() -> None:
    spec = load_spec("2026-07")
    upload = spec["paths"]["/files/{assistant_name}"]["post"]

    assert "metadata query parameter is not supported in this API version" in upload["description"]
    assert [
        p.get("name")
        for p in (resolve(spec, raw["$ref"]) if "$ref" in raw else raw for raw in upload["parameters"])
    ] == [
        "X-Pinecone-Api-Version",
        "assistant_name",
        "multimodal",
    ]
