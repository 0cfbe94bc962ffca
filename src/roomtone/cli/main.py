"""Entry point: ``roomtone render | demo | clips``. Errors are one line; usage errors exit 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from roomtone import __version__
from roomtone.errors import RoomtoneError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from roomtone.cli import clips_command, demo, render

    parser = argparse.ArgumentParser(
        prog="roomtone", description="Background audio for real-time voice agents."
    )
    parser.add_argument("--version", action="version", version=f"roomtone {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module, text in (
        ("render", render, "render a scripted conversation to a WAV file"),
        ("demo", demo, "render and play a short demo (demo.wav, demo.png)"),
        ("clips", clips_command, "list the built-in sounds"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except (RoomtoneError, OSError) as exc:  # the work failed (a corrupt file, a disk error)
        print(f"roomtone {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a bad option value: a usage error
        print(f"roomtone {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
