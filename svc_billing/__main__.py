"""`python -m svc_billing` runs billing alone (same as `trading serve billing`)."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from app.cli import main as cli_main
    except ImportError:
        print("the `trading` command is not installed; run `trading serve billing`", file=sys.stderr)
        return 1
    sys.argv = ["trading", "serve", "billing", *sys.argv[1:]]
    result = cli_main()
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
