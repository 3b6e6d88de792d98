"""One client, three API versions side by side: ``api_version=`` picks the wire format of each."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from assistant_conformance.embedded import RunningServer, running_server
from pinecone_assistant import API_VERSION, AssistantClient, AsyncAssistantClient, ClientValidationError
from pinecone_assistant.finish_reason import is_known_finish_reason

KEY = "versions-test-key"
VERSIONS = ("2025-10", "2026-04", "2026-07")
OTTERS = b"Sea otters hold hands while they sleep so that they do not drift apart."


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(api_keys=[KEY]) as running:
        yield running


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def test_the_default_version_is_the_newest_spec() -> None:
    assert VERSIONS[-1] == API_VERSION
    assert AssistantClient(KEY).api_version == API_VERSION


@pytest.mark.parametrize("version", VERSIONS)
def test_a_whole_flow_works_at_each_version(server: RunningServer, version: str) -> None:
    name = f"v{version.replace('-', '')}-{uuid.uuid4().hex[:6]}"
    with AssistantClient(
        KEY, control_host=server.url, evaluation_host=server.url, api_version=version
    ) as client:
        assert client.api_version == version
        client.create_assistant(name)
        handle = client.assistant(name)

        # 2025-10 sends metadata as a query parameter, later versions as a form field; the endpoint
        # refuses the other form with a 400 at each version, so a stored metadata proves the right one.
        uploaded = handle.upload_file(OTTERS, file_name="otters.txt", metadata={"animal": "otter"})
        assert str(uploaded.status) == "Available"
        assert uploaded.metadata is not None
        assert uploaded.metadata.to_dict() == {"animal": "otter"}
        # Ids are UUIDs up to 2026-04; 2026-07 no longer promises it, and the client does not care.
        assert _is_uuid(uploaded.id) is (version != "2026-07")
        assert [f.id for f in handle.list_files(filter={"animal": {"$eq": "otter"}})] == [uploaded.id]

        answer = handle.chat("How do sea otters sleep?")
        assert "hands" in answer.text
        assert is_known_finish_reason(str(answer.finish_reason), version)
        assert (answer.context_snippet_count is not None) is (version != "2025-10")

        if version == "2025-10":
            with pytest.raises(ClientValidationError, match="exists from API version 2026-04"):
                list(handle.list_operations())
            assert handle.delete_file(uploaded.id) is None
        else:
            assert [o.file_id for o in handle.list_operations()] == [uploaded.id]
            deleted = handle.delete_file(uploaded.id, wait=True)
            assert deleted is not None
            assert str(deleted.status) == "Completed"
        assert list(handle.list_files()) == []
        handle.delete()


def test_the_async_client_speaks_2026_07(server: RunningServer) -> None:
    async def flow() -> tuple[str, str]:
        async with AsyncAssistantClient(KEY, control_host=server.url, api_version="2026-07") as client:
            await client.create_assistant("async-2026-07")
            handle = client.assistant("async-2026-07")
            uploaded = await handle.upload_file(OTTERS, file_name="otters.txt", metadata={"animal": "otter"})
            answer = await handle.chat("How do sea otters sleep?")
            await handle.delete()
            return uploaded.id, answer.text

    file_id, text = asyncio.run(flow())

    assert not _is_uuid(file_id)
    assert "hands" in text
