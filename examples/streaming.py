"""Stream an answer: print the text as it arrives, then read the final answer assembled from the chunks.

Run: python examples/streaming.py   (see _endpoint.py for the endpoint it talks to)
"""

from __future__ import annotations

from _endpoint import DATA, endpoint, unique_name
from pinecone_assistant import AssistantClient
from pinecone_assistant.stream import CitationChunk, ContentChunk, MessageEndChunk, MessageStartChunk


def main() -> None:
    with endpoint() as ep, AssistantClient(api_key=ep.api_key, control_host=ep.host) as client:
        name = unique_name("streaming")
        client.create_assistant(name)
        try:
            assistant = client.assistant(name)
            assistant.upload_file(DATA / "red-pine.md", metadata={"topic": "botany"})
            question = "How tall does a red pine grow?"

            # 1. Only the text: text_stream yields each piece as soon as the server flushes it.
            with assistant.chat(question, stream=True) as stream:
                for piece in stream.text_stream:
                    print(piece, end="", flush=True)
                print()
                final = stream.get_final_answer()  # the rest of the stream is read first
            print(f"final text: {final.text}")
            tokens = final.usage.total_tokens
            print(
                f"finish_reason: {final.finish_reason}, citations: {len(final.citations)}, tokens: {tokens}"
            )

            # 2. Every chunk, typed. Unknown kinds would arrive as UnknownChunk, never as an error.
            with assistant.chat(question, stream=True) as stream:
                for chunk in stream:
                    if isinstance(chunk, MessageStartChunk):
                        print(f"chunk message_start: model={chunk.model}")
                    elif isinstance(chunk, ContentChunk):
                        print(f"chunk content_chunk: {chunk.delta.content!r}")
                    elif isinstance(chunk, CitationChunk):
                        print(f"chunk citation: position={chunk.citation.position}")
                    elif isinstance(chunk, MessageEndChunk):
                        print(f"chunk message_end: finish_reason={chunk.finish_reason}")
                    else:
                        print(f"chunk {type(chunk).__name__}")

            # 3. The same answer without streaming: the assembled answer equals it.
            plain = assistant.chat(question)
            print(f"same as non-streaming: {plain.text == final.text}")

            # 4. OpenAI-compatible completions stream too; citations come inline as [n, pp. x] markers.
            with assistant.chat_completions(question, stream=True) as completion:
                completed = completion.get_final_answer()
            print(f"completion text: {completed.text}")
        finally:
            client.delete_assistant(name)


if __name__ == "__main__":
    main()
