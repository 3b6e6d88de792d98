"""The files every real-client flow uploads, what the flows ask about them, and how the endpoint runs."""

from __future__ import annotations

from typing import Any

KEY = "real-client-key"

# The flows run against the endpoint's visible lifecycle, so that each client's own wait loop runs:
# a new assistant is Initializing for a second (clients describe it every 0.5 s) and a file is
# Processing for a second (the Pinecone clients look again every 5 s).
SERVER_OPTIONS: dict[str, Any] = {"assistant_ready_seconds": 1.0, "file_processing_seconds": 1.0}

FILES: dict[str, tuple[str, dict[str, Any]]] = {
    "foxes.txt": (
        "The red fox hunts small rodents at dusk. Foxes dig dens in sandy soil.",
        {"topic": "animals", "year": 2021},
    ),
    "otters.md": (
        "# Otters\n\nSea otters hold hands while sleeping so they do not drift apart.",
        {"topic": "animals", "year": 2018},
    ),
    "volcanoes.txt": (
        "Shield volcanoes erupt runny basalt lava. Hawaii has many shield volcanoes.",
        {"topic": "geology", "year": 2023},
    ),
}
# Not a PDF inside: processing fails, and the clients report the service's error message.
BROKEN_PDF = ("broken.pdf", b"%PDF-1.4 this is not really a PDF")

QUESTION = "Where do foxes dig dens and how do sea otters sleep?"
FILTER = {"topic": {"$eq": "geology"}}
FILTERED_QUESTION = "What lava do volcanoes erupt?"
INSTRUCTIONS = "Answer from the files."
NEW_INSTRUCTIONS = "Answer from the files, briefly."
