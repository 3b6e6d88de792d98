"""Real-client tests run only where their client is installed (each has a nox session of its own).

A module whose client is missing is not collected at all, so the main test run neither runs nor
counts it; ``nox -s real_client_pinecone10 real_client_plugin real_client_openai`` runs them.
"""

from __future__ import annotations

import importlib.util
from importlib import metadata


def _version(distribution: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in metadata.version(distribution).split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return None


def _plugin_available() -> bool:
    pinecone = _version("pinecone")
    return (
        pinecone is not None
        and pinecone < (9,)
        and importlib.util.find_spec("pinecone_plugins.assistant") is not None
    )


_REQUIREMENTS = {
    "test_pinecone10.py": lambda: (_version("pinecone") or (0,)) >= (9,),
    "test_plugin.py": _plugin_available,
    "test_openai.py": lambda: importlib.util.find_spec("openai") is not None,
}

collect_ignore = [name for name, available in _REQUIREMENTS.items() if not available()]
