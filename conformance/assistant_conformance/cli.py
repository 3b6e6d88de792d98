"""The ``assistant-conformance`` command.

Each subcommand is one ``add_<name>(subparsers)`` function that declares its arguments and sets
``handler`` to a function taking the parsed arguments and returning the exit status; list it in
:data:`SUBCOMMANDS`.
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
            log_level=args.log_level,
        )
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
        "--faults", action="store_true", help="honour X-Assistant-Fault request headers (fault injection)"
    )
    parser.add_argument(
        "--public-url", help="URL clients use to reach the endpoint (default: the bound address)"
    )
    parser.add_argument(
        "--assistant-ready-seconds",
        type=float,
        default=0.0,
        help="how long new assistants stay Initializing (default: 0, Ready on first describe)",
    )
    parser.add_argument(
        "--file-processing-seconds",
        type=float,
        default=0.0,
        help="how long new files stay Processing (default: 0)",
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant-conformance",
        description="Conformance suites and an embedded endpoint for the Pinecone Assistant API.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
