"""Ports for the servers a test starts (Envoy, the edge, `trading up`, split-run processes).

They are chosen below the kernel's ephemeral range: a port that bind(0) hands out comes from that
range, and the kernel may give it to any outgoing connection before the process under test binds
it (seen as Envoy's "cannot bind: Address already in use"). A port is never handed out twice in one
test session, so the many ports of one platform cannot collide with each other either.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST = 20000
_given: set[int] = set()


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port nobody listens on now, outside the ephemeral range, not given before."""
    highest = max(LOWEST + 1000, _ephemeral_start())
    for _ in range(1000):
        port = random.randrange(LOWEST, highest)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")
