"""Context retrieval: the scored snippets an assistant would answer from, for your own prompt or model.

Run: python examples/context.py   (see _endpoint.py for the endpoint it talks to)
"""

from __future__ import annotations

from _endpoint import DATA, endpoint, unique_name
from pinecone_assistant import AssistantClient


def main() -> None:
    with endpoint() as ep, AssistantClient(api_key=ep.api_key, control_host=ep.host) as client:
        name = unique_name("context")
        client.create_assistant(name)
        try:
            assistant = client.assistant(name)
            for file_name in ("handbook.md", "travel-policy.txt", "red-pine.md"):
                assistant.upload_file(DATA / file_name)

            # A query (or messages=[...], never both); top_k bounds the number of snippets.
            context = assistant.context(query="Which soil does the red pine need?", top_k=3)
            for snippet in context.snippets:
                reference = snippet.reference
                print(
                    f"{snippet.score:.3f} {reference.type_} {reference.file.name}: {snippet.content[:60]!r}"
                )
            print(f"snippets: {len(context.snippets)}, tokens: {context.usage.total_tokens}")

            # The same from a conversation: the last user message is the question.
            context = assistant.context(
                messages=[
                    {"role": "user", "content": "I am travelling next week."},
                    {"role": "assistant", "content": "How can I help?"},
                    {"role": "user", "content": "What hotel costs are reimbursed per night?"},
                ],
                top_k=1,
            )
            print(f"from messages: {context.snippets[0].reference.file.name}")
        finally:
            client.delete_assistant(name)


if __name__ == "__main__":
    main()
