"""The files every real-client flow uploads, and what the flows ask about them."""

from __future__ import annotations

from typing import Any

KEY = "real-client-key"

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

QUESTION = "Where do foxes dig dens and how do sea otters sleep?"
FILTER = {"topic": {"$eq": "geology"}}
FILTERED_QUESTION = "What lava do volcanoes erupt?"
