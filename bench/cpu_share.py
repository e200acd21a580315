"""Where the CPU went during a benchmark run: CPU seconds of every process on the machine,
grouped (the platform's server processes, Envoy, PostgreSQL, Redis, this load generator, the
rest of the machine), from /proc before and after the run (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    comm: str
    cpu_s: float


def _read(pid: int) -> Proc | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, tail = text.rsplit(")", 1)
    fields = tail.split()
    comm = head.split("(", 1)[1]
    # utime, stime, cutime, cstime: children reaped count for their parent (short-lived ones)
    cpu = sum(int(f) for f in fields[11:15]) / TICKS
    return Proc(pid, int(fields[1]), comm, cpu)


def snapshot() -> dict[int, Proc]:
    procs = (_read(int(p)) for p in os.listdir("/proc") if p.isdigit())
    return {p.pid: p for p in procs if p is not None}


def machine_s() -> tuple[float, float]:
    """CPU seconds the whole machine spent not idle so far, and of those in interrupts (the
    loopback network's packets are mostly handled there, charged to no process)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICKS, (fields[5] + fields[6]) / TICKS


def _descendants(procs: dict[int, Proc], roots: list[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo += children.get(pid, [])
    return seen


def group(procs: dict[int, Proc], platform_pids: list[int]) -> dict[int, str]:
    ours = _descendants(procs, platform_pids)
    me = os.getpid()
    names: dict[int, str] = {}
    for pid, p in procs.items():
        if pid in ours:
            names[pid] = "envoy" if "envoy" in p.comm else "platform (python)"
        elif p.comm.startswith("postgres"):
            names[pid] = "postgres (every backend)"
        elif p.comm.startswith("redis"):
            names[pid] = "redis"
        elif pid == me:
            names[pid] = "load generator (this process)"
    return names


class CpuShare:
    """CPU seconds per group between start() and stop()."""

    def __init__(self, platform_pids: list[int]) -> None:
        self.platform_pids = platform_pids

    def start(self) -> None:
        self.before = snapshot()
        self.machine0 = machine_s()

    def stop(self) -> dict[str, float]:
        after = snapshot()
        busy, interrupts = (now - then for now, then in zip(machine_s(), self.machine0, strict=True))
        names = group(after, self.platform_pids)
        used: dict[str, float] = {}
        for pid, name in names.items():
            earlier = self.before.get(pid)
            same = earlier is not None and earlier.comm == after[pid].comm
            spent = after[pid].cpu_s - (earlier.cpu_s if earlier and same else 0.0)
            used[name] = used.get(name, 0.0) + spent
        used["interrupts (network)"] = interrupts
        others: dict[str, float] = {}
        for pid, p in after.items():
            if pid not in names and pid in self.before and self.before[pid].comm == p.comm:
                others[p.comm] = others.get(p.comm, 0.0) + p.cpu_s - self.before[pid].cpu_s
        busiest = sorted(others.items(), key=lambda item: -item[1])[:3]
        top = ", ".join(f"{comm} {cpu:.0f} s" for comm, cpu in busiest if cpu >= 0.5)
        used[f"rest of the machine ({top or 'nothing named'})"] = max(0.0, busy - sum(used.values()))
        return used


def describe(used: dict[str, float], seconds: float) -> str:
    ordered = sorted(used.items(), key=lambda item: -item[1])
    parts = [f"{name} {cpu:.1f} s ({cpu / seconds:.0%})" for name, cpu in ordered]
    return "CPU over the run (share of one core): " + ", ".join(parts)
