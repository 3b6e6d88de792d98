"""PDF and DOCX ingestion: page numbers survive into snippets, citations and references."""

from __future__ import annotations

import io

from assistant_conformance.embedded import ingest
from assistant_conformance.fixtures import COMMON_QUERY
from assistant_conformance.fixtures import CORPUS as FIXTURES

from .conftest import V26, Api, make_pdf

PAGES = [
    "Chapter one is about harbours. Boats rest in the harbour overnight.",
    "Chapter two is about lighthouses. The lighthouse keeper trims the wick at dusk.",
    "Chapter three is about storms. Gales batter the cliffs in winter.",
]


def _docx(pages: list[list[str]]) -> bytes:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for i, paragraphs in enumerate(pages):
        for j, text in enumerate(paragraphs):
            paragraph = document.add_paragraph(text)
            if j == len(paragraphs) - 1 and i < len(pages) - 1:
                paragraph.add_run().add_break(WD_BREAK.PAGE)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_pdf_text_is_extracted_page_by_page() -> None:
    segments = ingest.extract("pdf", make_pdf(PAGES))
    assert [page for page, _ in segments] == [1, 2, 3]
    assert "lighthouse keeper" in segments[1][1]


def test_markdown_headings_are_sentences_of_their_own_without_hashes() -> None:
    [(page, text)] = ingest.extract("markdown", b"# Handbook\n## Vacation ##\nEvery employee gets 25 days.\n")
    assert page is None
    assert ingest.split_sentences(text) == ["Handbook", "Vacation", "Every employee gets 25 days."]


def test_chunks_never_span_pages() -> None:
    pieces = ingest.chunk(ingest.extract("pdf", make_pdf(PAGES)), target_tokens=1000)
    assert [p.page for p in pieces] == [1, 2, 3]


def test_long_sentences_are_cut_into_bounded_chunks() -> None:
    pieces = ingest.chunk([(None, "word " * 2000)], target_tokens=50)
    assert len(pieces) > 10
    assert all(len(p.text.split()) <= 50 for p in pieces)


def test_pdf_pages_reach_context_citations_and_highlights(api26: Api, conform) -> None:
    api26.create_assistant()
    op = api26.upload("demo", "coast.pdf", make_pdf(PAGES)).json()
    assert op["status"] == "Completed"
    assert op["ingestion_units"] == 3.0
    context = api26.post("chat/demo/context", json={"query": "lighthouse keeper wick", "top_k": 1})
    conform(V26, "context_assistant", context)
    reference = context.json()["snippets"][0]["reference"]
    assert reference["type"] == "pdf"
    assert 2 in reference["pages"]
    answer = api26.chat("demo", "What does the lighthouse keeper do?", include_highlights=True).json()
    first = answer["citations"][0]["references"][0]
    assert first["pages"] == [2]
    assert "trims the wick" in first["highlight"]["content"]


def test_docx_pages_follow_explicit_page_breaks(api26: Api, conform) -> None:
    api26.create_assistant()
    content = _docx([["Herons wade in shallow water."], ["Kingfishers dive for small fish."]])
    op = api26.upload("demo", "birds.docx", content).json()
    assert op["status"] == "Completed"
    context = api26.post("chat/demo/context", json={"query": "kingfishers dive", "top_k": 1})
    conform(V26, "context_assistant", context)
    reference = context.json()["snippets"][0]["reference"]
    assert reference["type"] == "doc_x"
    answer = api26.chat("demo", "What do kingfishers do?").json()
    assert answer["citations"][0]["references"][0]["pages"] == [2]


def test_the_conformance_fixture_corpus_is_ingested_and_retrievable(api26: Api) -> None:
    api26.create_assistant()
    for fixture in FIXTURES:
        op = api26.upload("demo", fixture.name, fixture.content(), fixture.metadata).json()
        assert op["status"] == "Completed", (fixture.name, op)
    snippets = api26.post("chat/demo/context", json={"query": COMMON_QUERY, "top_k": 64}).json()["snippets"]
    names = {s["reference"]["file"]["name"] for s in snippets}
    assert names == {f.name for f in FIXTURES}
    pdf = next(s for s in snippets if s["reference"]["type"] == "pdf")
    assert pdf["reference"]["pages"]
