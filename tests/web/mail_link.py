"""Print the verification link mailed to an address by a running platform (the browser tests call it
after signing up): the .eml files the platform writes under <data_dir>/mail.

python -m tests.web.mail_link MAIL_DIR ADDRESS
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.mailbox import verification_link


def main(mail_dir: str, address: str, timeout_s: float = 60) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        link = verification_link(Path(mail_dir), address)
        if link:
            print(link)
            return 0
        time.sleep(0.1)  # polling the platform's mail dispatcher, bounded by the deadline
    print(f"no verification mail for {address} in {mail_dir}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
