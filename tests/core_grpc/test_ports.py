"""core.ports: ports for servers about to start come from below the ephemeral range, once each."""

from __future__ import annotations

import socket
from pathlib import Path

from core.ports import LOWEST, free_port


def test_ports_are_below_the_ephemeral_range_bindable_and_never_given_twice() -> None:
    ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(LOWEST <= p < max(LOWEST + 1000, ephemeral) for p in ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[-1]))
