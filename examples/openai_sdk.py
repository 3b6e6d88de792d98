"""The openai SDK against an assistant's OpenAI-compatible endpoint (needs ``pip install openai``).

``openai_kwargs()`` gives the base URL of the assistant's completions endpoint, the key, and the
headers the service expects next to the SDK's own ``Authorization`` header.

Run: python examples/openai_sdk.py   (see _endpoint.py for the endpoint it talks to)
"""

from __future__ import annotations

from _endpoint import DATA, endpoint, unique_name
from pinecone_assistant import AssistantClient


def main() -> None:
    try:
        import openai
    except ImportError:
        print("openai is not installed: run `pip install openai` to try this example.")
        return

    with endpoint() as ep, AssistantClient(api_key=ep.api_key, control_host=ep.host) as client:
        name = unique_name("openai-sdk")
        client.create_assistant(name)
        try:
            assistant = client.assistant(name)
            assistant.upload_file(DATA / "red-pine.md")
            sdk = openai.OpenAI(**assistant.openai_kwargs())
            messages = [{"role": "user", "content": "How long are the needles?"}]

            completion = sdk.chat.completions.create(model="gpt-4o", messages=messages)
            print(f"openai answer: {completion.choices[0].message.content}")
            print(f"finish_reason: {completion.choices[0].finish_reason}")

            stream = sdk.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
            text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
            print(f"openai streamed: {text}")
        finally:
            client.delete_assistant(name)


if __name__ == "__main__":
    main()
