"""The async client: several questions at once, and an async stream.

Run: python examples/async_chat.py   (see _endpoint.py for the endpoint it talks to)
"""

from __future__ import annotations

import asyncio

from _endpoint import DATA, endpoint, unique_name
from pinecone_assistant import AsyncAssistantClient

QUESTIONS = [
    "How many vacation days do employees get?",
    "When are the core working hours?",
    "How much is the daily meal allowance when travelling?",
]


async def run(host: str, api_key: str) -> None:
    async with AsyncAssistantClient(api_key=api_key, control_host=host) as client:
        name = unique_name("async")
        await client.create_assistant(name)
        try:
            assistant = client.assistant(name)
            await asyncio.gather(
                assistant.upload_file(DATA / "handbook.md", metadata={"team": "hr"}),
                assistant.upload_file(DATA / "travel-policy.txt", metadata={"team": "finance"}),
            )
            names = [file.name async for file in assistant.list_files()]
            print(f"files: {sorted(names)}")

            # Three chats in flight at the same time; answers come back in question order.
            answers = await asyncio.gather(*(assistant.chat(q) for q in QUESTIONS))
            for question, answer in zip(QUESTIONS, answers, strict=True):
                print(f"Q: {question}\nA: {answer.text}")

            # An async stream: `async with` closes the response, `async for` reads the text.
            stream = await assistant.chat("Are laptops replaced?", stream=True)
            async with stream:
                pieces = [piece async for piece in stream.text_stream]
                final = await stream.get_final_answer()
            print(f"streamed in {len(pieces)} pieces: {final.text}")
        finally:
            await client.delete_assistant(name)


def main() -> None:
    with endpoint() as ep:
        asyncio.run(run(ep.host, ep.api_key))


if __name__ == "__main__":
    main()
