"""The ``assistant-conformance`` command.

Each subcommand is one ``add_<name>(subparsers)`` function that declares its arguments and sets
``handler`` to a function taking the parsed arguments and returning the exit status; list it in
:data:`SUBCOMMANDS`.

Only the chosen subcommand's module is imported, so ``serve`` works with just the ``embedded`` extra;
a subcommand whose dependencies are missing says which extra to install.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

Subparsers = Any  # argparse._SubParsersAction, which is private


def serve_command(args: argparse.Namespace) -> int:
    """Run the embedded endpoint in the foreground until interrupted; its URL is printed on stdout."""
    from assistant_conformance.embedded import serve
    from assistant_conformance.embedded.server import ExposedWithoutKeyError

    def announce(url: str) -> None:
        keys = f"{len(args.api_key)} accepted key(s)" if args.api_key else "any non-empty key"
        storage = f"data in {args.data_dir}" if args.data_dir else "data in memory"
        faults = ", faults on request" if args.faults else ""
        print(url, flush=True)
        print(
            f"Pinecone Assistant endpoint at {url} (paths under /assistant; {keys}; {storage}{faults}). "
            "Stop with Ctrl-C.",
            file=sys.stderr,
            flush=True,
        )

    try:
        serve(
            args.host,
            args.port,
            on_ready=announce,
            data_dir=args.data_dir,
            api_keys=args.api_key or None,
            faults=args.faults,
            public_url=args.public_url,
            assistant_ready_seconds=args.assistant_ready_seconds,
            file_processing_seconds=args.file_processing_seconds,
            max_output_tokens=args.max_output_tokens,
            max_file_bytes=int(args.max_file_mb * 1024 * 1024),
            max_pdf_bytes=int(args.max_pdf_mb * 1024 * 1024),
            log_level=args.log_level,
            allow_any_key=args.allow_any_key,
        )
    except ExposedWithoutKeyError as exc:
        print(f"assistant-conformance serve: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"assistant-conformance serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def add_serve(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the embedded endpoint (a local Pinecone Assistant)",
        description="Serve a local Pinecone Assistant: both planes and evaluation, under /assistant.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8765, help="port to bind; 0 picks a free one (default: 8765)"
    )
    parser.add_argument("--data-dir", help="keep state in SQLite in this directory (default: in memory)")
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accept only this key (repeatable); without it any non-empty key is accepted",
    )
    parser.add_argument(
        "--allow-any-key",
        action="store_true",
        help="accept any key even when --host is not a loopback address (refused by default)",
    )
    parser.add_argument(
        "--faults", action="store_true", help="honour X-Assistant-Fault request headers (fault injection)"
    )
    parser.add_argument(
        "--public-url", help="URL clients use to reach the endpoint (default: the bound address)"
    )
    parser.add_argument(
        "--assistant-ready-seconds",
        type=float,
        default=0.5,
        help="how long new assistants stay Initializing (default: 0.5; 0: Ready on the first describe)",
    )
    parser.add_argument(
        "--file-processing-seconds",
        type=float,
        default=1.0,
        help="how long new files stay at least Processing (default: 1; 0: done when the upload answers)",
    )
    parser.add_argument(
        "--max-file-mb", type=float, default=10, help="largest upload other than a PDF, in MB (default: 10)"
    )
    parser.add_argument(
        "--max-pdf-mb", type=float, default=100, help="largest PDF upload, in MB (default: 100)"
    )
    parser.add_argument(
        "--max-output-tokens",
        type=int,
        default=1024,
        help="answer length cap; reaching it finishes with 'length' (default: 1024)",
    )
    parser.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.set_defaults(handler=serve_command)


def add_record(subparsers: Subparsers) -> None:
    from assistant_conformance.recording import add_record as add

    add(subparsers)


def add_run(subparsers: Subparsers) -> None:
    from assistant_conformance.runner import add_run as add

    add(subparsers)


def add_selftest(subparsers: Subparsers) -> None:
    from assistant_conformance.selftest import add_selftest as add

    add(subparsers)


def add_versions(subparsers: Subparsers) -> None:
    from assistant_conformance.versions import add_versions as add

    add(subparsers)


SUBCOMMANDS: list[Callable[[Subparsers], None]] = [add_serve, add_record, add_run, add_selftest, add_versions]


# Top-level modules that only the `conformance` extra installs.
CONFORMANCE_ONLY = frozenset(
    {"schemathesis", "hypothesis", "hypothesis_jsonschema", "pydantic", "jsonschema", "vcr", "referencing"}
)


def _name(add: Callable[[Subparsers], None]) -> str:
    return add.__name__.removeprefix("add_").replace("_", "-")


def _unavailable(subparsers: Subparsers, name: str, missing: str) -> None:
    message = (
        f"assistant-conformance {name} needs the conformance extra (module {missing!r} is missing): "
        "pip install 'pinecone-assistant-kit[conformance]'"
    )
    parser = subparsers.add_parser(name, help="needs the conformance extra", add_help=False)

    def refuse(args: argparse.Namespace) -> int:
        print(message, file=sys.stderr)
        return 2

    parser.set_defaults(handler=refuse, unavailable=True)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only`` (a subcommand name) the other subcommands are left out, unimported."""
    parser = argparse.ArgumentParser(
        prog="assistant-conformance",
        description="Conformance suites and an embedded endpoint for the Pinecone Assistant API.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    names = {_name(add) for add in SUBCOMMANDS}
    for add in SUBCOMMANDS:
        if only in names and _name(add) != only:
            continue
        try:
            add(subparsers)
        except ModuleNotFoundError as exc:
            top = (exc.name or "").split(".")[0]
            if top not in CONFORMANCE_ONLY:
                raise
            _unavailable(subparsers, _name(add), top)
    return parser


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first argument that is not an option)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
        if arg in {"-h", "--help"}:
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_chosen(argv))
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "unavailable", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
