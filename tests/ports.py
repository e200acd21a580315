"""Ports for the servers a test starts (Envoy, the edge, `trading up`, split-run processes):
core.ports' picker, below the kernel's ephemeral range and never the same one twice."""

from core.ports import free_port

__all__ = ["free_port"]
