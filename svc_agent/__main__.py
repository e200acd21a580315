"""`python -m svc_agent` runs the trading assistant alone (same as `trading serve agent`)."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from app.cli import main as cli_main
    except ImportError:
        print("the `trading` command is not installed; run `trading serve agent`", file=sys.stderr)
        return 1
    sys.argv = ["trading", "serve", "inference", *sys.argv[1:]]
    result = cli_main()
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
