"""`trading edge`, `trading gateway` and `trading bootstrap`: the split run's commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.registry import SERVICE_PACKAGES
from core.settings import Settings


def register_split(sub: argparse._SubParsersAction) -> None:
    edge = sub.add_parser("edge", help="run the edge alone (WebSocket, webhooks, JWKS, /health)")
    edge.add_argument("--port", type=int, default=None, help="HTTP port (default TRADING_EDGE_PORT)")
    edge.set_defaults(func=cmd_edge)

    gateway = sub.add_parser("gateway", help="run Envoy for the split run (one cluster per domain)")
    gateway.add_argument(
        "--edge-host",
        default="127.0.0.1",
        help="where the edge listens: a name or IP (on TRADING_EDGE_PORT), or a comma-separated "
        "list of host:port, one per edge replica",
    )
    gateway.add_argument("--base-id", type=int, default=11, help="Envoy's --base-id (distinct per host)")
    gateway.add_argument(
        "--render", type=Path, default=None, metavar="PATH", help="only write the config to PATH and exit"
    )
    gateway.add_argument(
        "--secret-from-env",
        action="store_true",
        help="with --render: Envoy reads the proxy secret from its TRADING_PROXY_SECRET at start",
    )
    gateway.add_argument(
        "--descriptor-at", default=None, help="with --render: the descriptor set's path where Envoy runs"
    )
    gateway.add_argument("--config", type=Path, default=None, help="run Envoy with this rendered config")
    gateway.set_defaults(func=cmd_gateway)

    boot = sub.add_parser("bootstrap", help="seed demo data and first models (any run mode)")
    boot.add_argument("services", nargs="*", help=f"of {', '.join(SERVICE_PACKAGES)} (default: all)")
    boot.add_argument("--no-migrate", action="store_true", help="the schemas are already migrated")
    boot.set_defaults(func=cmd_bootstrap)


def cmd_edge(args: argparse.Namespace, settings: Settings) -> int:
    from app.event_loop import run_loop
    from app.split import run_edge

    if args.port is not None:
        settings.edge_port = args.port
    return run_loop(run_edge(settings), settings)


def cmd_gateway(args: argparse.Namespace, settings: Settings) -> int:
    from app.event_loop import run_loop
    from app.split import render_gateway, run_gateway

    if args.render is not None:
        render_gateway(
            settings,
            edge_host=args.edge_host,
            secret_from_env=args.secret_from_env,
            descriptor_at=args.descriptor_at,
            path=args.render,
        )
        print(f"wrote {args.render}")
        return 0
    return run_loop(
        run_gateway(settings, edge_host=args.edge_host, base_id=args.base_id, config=args.config), settings
    )


def cmd_bootstrap(args: argparse.Namespace, settings: Settings) -> int:
    from app.event_loop import run_loop
    from app.split import run_bootstrap

    unknown = [s for s in args.services if s not in SERVICE_PACKAGES]
    if unknown:
        print(f"trading bootstrap: unknown service(s): {', '.join(unknown)}")
        return 2
    return run_loop(
        run_bootstrap(settings, args.services or None, migrate_first=not args.no_migrate), settings
    )
