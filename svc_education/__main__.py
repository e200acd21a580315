"""`python -m svc_education` runs the education service alone (same as `trading serve education`)."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from app.cli import main as cli_main
    except ImportError:
        print("the `trading` command is not installed; run `trading serve education`", file=sys.stderr)
        return 1
    sys.argv = ["trading", "serve", "education", *sys.argv[1:]]
    result = cli_main()
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
