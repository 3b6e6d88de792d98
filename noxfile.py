"""Sessions for building, checking and exercising the project. `nox -l` lists them."""

from __future__ import annotations

from pathlib import Path

import nox

# uv makes the many per-session installs fast; plain venv + pip is the fallback.
nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "check_generated", "tests"]

PYTHON = "3.11"
DEV = ".[dev]"


def _dev(session: nox.Session) -> None:
    session.install("-q", "-e", DEV)


def _real_client(session: nox.Session, requirements: list[str], test_file: str) -> None:
    # Each official client gets a venv of its own: their pins conflict with each other.
    session.install("-q", "-e", ".[embedded]", "pytest==9.2.0", *requirements)
    session.run("pytest", "-q", "-p", "no:cacheprovider", test_file, *session.posargs)


@nox.session(python=PYTHON, tags=["ci"])
def lint(session: nox.Session) -> None:
    """Ruff over the hand-written code, and the OpenAPI linter over spec/."""
    _dev(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "scripts/lint_spec.py")


@nox.session(python=PYTHON, tags=["ci"])
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the overlay and the generated client."""
    _dev(session)
    session.run("mypy")
    session.run("mypy", "--strict", "generated/assistant_api")


@nox.session(python=PYTHON)
def regenerate(session: nox.Session) -> None:
    """Regenerate generated/ (and the conformance oracle) from spec/. Args: [VERSION]."""
    _dev(session)
    session.run("python", "scripts/regenerate.py", *session.posargs)


@nox.session(python=PYTHON, tags=["ci"])
def check_generated(session: nox.Session) -> None:
    """Regenerate into a temporary folder and fail on any difference from the committed code."""
    _dev(session)
    session.run("python", "scripts/check_generated.py", *session.posargs)


@nox.session(python=PYTHON, tags=["ci"])
def tests(session: nox.Session) -> None:
    """The test suite: spec, generated, overlay, embedded endpoint, conformance, examples."""
    _dev(session)
    session.run("pytest", "-q", *session.posargs)


@nox.session(python=PYTHON, tags=["ci", "real_clients"])
def real_client_pinecone10(session: nox.Session) -> None:
    """pinecone 10.2.0 (`pc.assistants`) through a whole flow against the embedded endpoint."""
    _real_client(session, ["pinecone==10.2.0"], "tests/real_clients/test_pinecone10.py")


@nox.session(python=PYTHON, tags=["ci", "real_clients"])
def real_client_plugin(session: nox.Session) -> None:
    """pinecone 8.1.2 + pinecone-plugin-assistant 3.0.3 through a whole flow against the embedded endpoint."""
    _real_client(
        session,
        ["pinecone==8.1.2", "pinecone-plugin-assistant==3.0.3"],
        "tests/real_clients/test_plugin.py",
    )


@nox.session(python=PYTHON, tags=["ci", "real_clients"])
def real_client_openai(session: nox.Session) -> None:
    """The openai SDK against the embedded OpenAI-compatible endpoint."""
    _real_client(session, ["openai==3.54.0"], "tests/real_clients/test_openai.py")


#: Examples per operation for the older API versions in CI (the current version runs with the default, 25).
OLDER_VERSIONS_MAX_EXAMPLES = "5"


def _older_spec_versions() -> list[str]:
    """The versions in spec/ other than spec/CURRENT, oldest first."""
    current = Path("spec/CURRENT").read_text(encoding="utf-8").strip()
    return sorted(p.parent.name for p in Path("spec").glob("*/openapi.yaml") if p.parent.name != current)


@nox.session(python=PYTHON, tags=["ci"])
def conformance(session: nox.Session) -> None:
    """Run the conformance suites (default: against the embedded endpoint). Args go to `run`.

    Without args: the current API version in full, then each older version in spec/ at reduced examples.
    """
    _dev(session)
    session.run("assistant-conformance", "run", *session.posargs)
    if session.posargs:
        return
    for version in _older_spec_versions():
        session.run(
            "assistant-conformance",
            "run",
            "--spec-version",
            version,
            "--max-examples",
            OLDER_VERSIONS_MAX_EXAMPLES,
            "--report-dir",
            f"reports/conformance/{version}",
        )


@nox.session(python=PYTHON)
def conformance_selftest(session: nox.Session) -> None:
    """Prove the suites detect each fault of the catalog, and stay green over many seeds."""
    _dev(session)
    session.run("assistant-conformance", "selftest", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against baselines measured in the same run; writes reports/bench.json."""
    _dev(session)
    session.install("-q", "pinecone==10.2.0", "openai==3.54.0")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(python=PYTHON)
def bump(session: nox.Session) -> None:
    """Move to a new API version: `nox -s bump -- FROM TO` (report, regenerate, check, conformance)."""
    _dev(session)
    session.run("python", "scripts/bump.py", *session.posargs)


@nox.session(python=PYTHON)
def record(session: nox.Session) -> None:
    """Record cassettes against a target (the live API with PINECONE_API_KEY); the key is scrubbed."""
    _dev(session)
    session.run("assistant-conformance", "record", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the API reference (pdoc) and the layer pages into site/."""
    _dev(session)
    session.run("python", "scripts/build_docs.py", *session.posargs)
