"""The `styleforge` command: a thin layer of sub-commands over the library API."""
from __future__ import annotations

import argparse
import os
import signal
import sys

from ..runtime import choose_wait_policy

choose_wait_policy()  # before any command module loads torch: idle threads sleep on a busy machine

from ..errors import StyleforgeError  # noqa: E402
from . import (data_cmd, demo, distill_cmd, evaluate_cmd, export_cmd, optimize_cmd, sample,  # noqa: E402
               serve_cmd, styles_cmd, stylize, train_cmd, video_cmd)

COMMANDS = (demo, train_cmd, distill_cmd, stylize, optimize_cmd, video_cmd, evaluate_cmd, export_cmd, sample, styles_cmd,
            data_cmd, serve_cmd)


class _Parser(argparse.ArgumentParser):
    """Usage errors print one line and exit with status 2."""

    def error(self, message: str):
        sys.stderr.write(f"styleforge: error: {message} (see `{self.prog} --help`)\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="styleforge", description="Learn an image style with GANs and apply it to photos.",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # file names that are not valid UTF-8 print escaped, not crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # a shell's background job (`styleforge serve &`) starts with SIGINT ignored, and its children inherit
    # that: training jobs of the web app would ignore their cancel signal
    signal.signal(signal.SIGINT, signal.default_int_handler)
    code = _run(args)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # A torchrun worker leaves without the interpreter's teardown: on a loaded machine a C++ thread of
        # the process group, still joinable when the static destructors ran, aborted 4 of 32 finished
        # workers (SIGABRT, "terminate called without an active exception", no Python frame) after their
        # work was written. Everything the run writes is closed by now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run(args) -> int:
    try:
        return int(args.run(args) or 0)
    except StyleforgeError as exc:
        sys.stderr.write(f"styleforge: error: {exc}\n")
        return 2
    except OSError as exc:  # disk full, read-only or vanished output folder, ...
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"styleforge: error: {where}{exc.strerror or exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("styleforge: interrupted\n")
        return 130


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
