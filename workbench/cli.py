"""The ``workbench`` command: without arguments it starts the window.

Every subcommand takes ``--cache PATH`` and ``--config FILE``, prints JSON with
``--format json`` and exits non-zero with a one-line reason on failure (2 for bad usage).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from workbench import __version__
from workbench.commands import COMMAND_MODULES
from workbench.commands.common import UsageError
from workbench.commands.options import glue_negative_values, one_line, value_options
from workbench.core import cache_lock, user_only
from workbench.core.errors import CacheKeyError, CachePathError, FilterError, WorkbenchError

# Commands that hold the cache themselves for a long time: they never wait for a window.
_WINDOW_COMMANDS = ("gui", "screenshot")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description="Jobkort workbench")
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def mask_cpr_in(exc: BaseException) -> str:
    """Error lines echo file names and values: no CPR number reaches the terminal."""
    from workbench.core.imports.cpr import mask_cpr_in as mask

    return mask(exc)


def main(argv: Sequence[str] | None = None) -> int:
    user_only.set_umask()  # every file the workbench creates is user-only (issue #15)
    argv = list(sys.argv[1:] if argv is None else argv)
    from workbench.core import logs

    logs.setup_logging()
    parser = build_parser()
    if (
        not argv
        or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"))
        or argv[0].lower().endswith(".jobkort")
    ):
        argv = ["gui", *argv]
    try:
        args = parser.parse_args(glue_negative_values(argv, value_options(parser)))
    except UsageError as exc:  # from an option's type (commands/options.py)
        print(f"workbench {argv[0]}: error: {one_line(mask_cpr_in(exc))}", file=sys.stderr)
        return 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.command not in _WINDOW_COMMANDS:
        # A command that finds the cache held by the window asks it to let go and waits.
        cache_lock.wait_for_release(
            lambda message: print(
                f"workbench {args.command}: {message}", file=sys.stderr, flush=True
            ),
            command=args.command,
        )
    try:
        return int(args.func(args) or 0)
    except (UsageError, FilterError, CachePathError, CacheKeyError) as exc:
        print(f"workbench {args.command}: error: {one_line(mask_cpr_in(exc))}", file=sys.stderr)
        return 2
    except WorkbenchError as exc:
        print(f"workbench {args.command}: error: {one_line(mask_cpr_in(exc))}", file=sys.stderr)
        logging.getLogger("workbench").warning("%s failed: %s", args.command, one_line(str(exc)))
        return 1
    except KeyboardInterrupt:
        print(f"workbench {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `workbench search ... | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    finally:
        cache_lock.stop_waiting()  # the window takes the cache back


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
