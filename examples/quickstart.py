"""Create an assistant, upload two files with metadata, ask a question, and show where the answer comes from.

Run: python examples/quickstart.py   (see _endpoint.py for the endpoint it talks to)
"""

from __future__ import annotations

from _endpoint import DATA, endpoint, unique_name
from pinecone_assistant import AssistantClient
from pinecone_assistant.citation import number_sources
from pinecone_assistant.content import cited_text


def main() -> None:
    with endpoint() as ep, AssistantClient(api_key=ep.api_key, control_host=ep.host) as client:
        name = unique_name("quickstart")
        # Waits until the assistant is Ready (wait=False returns at once).
        client.create_assistant(name, instructions="Answer in one or two sentences.")
        print(f"created assistant {name}")
        try:
            assistant = client.assistant(name)
            # Each upload waits until the file is Available; metadata can be filtered on later.
            for path, team in [(DATA / "handbook.md", "hr"), (DATA / "travel-policy.txt", "finance")]:
                file = assistant.upload_file(path, metadata={"team": team})
                print(f"uploaded {file.name}: {file.status}")

            answer = assistant.chat("How many vacation days do employees get per year?")
            print(f"answer: {answer.text}")
            print(f"finish_reason: {answer.finish_reason}, model: {answer.model}")
            for source in number_sources(answer.citations):
                print(f"source [{source.number}]: {source.file.name} (team={source.file.metadata['team']})")
            # The same answer with its citations written in as markers.
            print(f"with markers: {cited_text(answer)}")
        finally:
            client.delete_assistant(name)
            print(f"deleted assistant {name}")


if __name__ == "__main__":
    main()
