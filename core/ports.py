"""Ports a process picks for servers it is about to start (the multi-process run's workers, and the
servers tests and benchmarks start).

They are chosen below the kernel's ephemeral range: a port that bind(0) hands out comes from that
range, and the kernel may give it to any outgoing connection before the server that was meant to
have it binds it ("Address already in use"). A port is never handed out twice by one process, so
the many ports of one platform cannot collide with each other either.
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


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now on `host`, outside the ephemeral range, not given before."""
    highest = max(LOWEST + 1000, _ephemeral_start())
    for _ in range(1000):
        port = random.randrange(LOWEST, highest)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")
