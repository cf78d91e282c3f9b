"""The command-line interface analysts script against (see README for the contract)."""

import sys

from linearity_core.cli import analyses
from linearity_core.cli.commands import COMMANDS as BASIC
from linearity_core.cli.parser import build_parser
from linearity_core.errors import LinearityError

__all__ = ["build_parser", "main"]
COMMANDS = {
    **BASIC,
    "sweep": analyses.cmd_sweep,
    "mistakes": analyses.cmd_mistakes,
    "import": analyses.cmd_import,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except LinearityError as exc:
        sys.stderr.write(f"linearity: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\nlinearity: interrupted\n")
        return 130
    except Exception as exc:  # no traceback for users; the message says what failed
        sys.stderr.write(f"linearity: failed: {type(exc).__name__}: {exc}\n")
        return 1
