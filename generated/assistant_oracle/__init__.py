"""Pydantic models generated from spec/ by datamodel-code-generator, one module per API version.

`v2026_04` holds the models of spec/2026-04/openapi.yaml, and so on. They are an independent reading of the
spec, used by the conformance suites to validate payloads; they are not part of the public client.
The modules are written by scripts/regenerate.py and checked by scripts/check_generated.py: never edit them.
"""
