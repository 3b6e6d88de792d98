"""The API versions that have a spec: the folders of ``spec/`` (or of the copy packaged in the wheel).

A new version needs no edit here: writing ``spec/<version>/openapi.yaml`` makes it available to ``run
--spec-version`` and to ``versions``.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve()
#: Where specs are looked for: the source checkout first, then the copy in the wheel.
SPEC_ROOTS = (_HERE.parents[2] / "spec", _HERE.parent / "_spec")
#: From this version on, uploads answer 202 with an operation, files can be put under an id of one's
#: own (PUT), metadata travels in the multipart form, and lists paginate.
OPERATIONS_FROM = "2026-04"


def version_key(version: str) -> tuple[str, int, str]:
    """Date order; a release candidate (``2026-01.alpha``) comes before its release."""
    date, _, suffix = version.partition(".")
    return date, 0 if suffix else 1, suffix


def available() -> tuple[str, ...]:
    """Every version with a spec, oldest first."""
    found = {p.parent.name for root in SPEC_ROOTS for p in root.glob("*/openapi.yaml")}
    return tuple(sorted(found, key=version_key))


def has_operations(version: str) -> bool:
    """Whether ``version`` has the operations model (202 uploads, PUT upserts, multipart metadata)."""
    return version_key(version) >= version_key(OPERATIONS_FROM)


def spec_path(version: str) -> Path:
    """``spec/<version>/openapi.yaml`` (source checkout first, then the wheel's copy)."""
    for root in SPEC_ROOTS:
        path = root / version / "openapi.yaml"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no spec for version {version!r} (looked for spec/{version}/openapi.yaml)")
