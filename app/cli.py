"""The `trading` command."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

from app.event_loop import run_loop
from app.registry import SERVICE_PACKAGES, load_spec
from core import logs
from core.settings import Settings


def _masked(settings: BaseModel) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in settings:
        if isinstance(value, SecretStr):
            out[name] = "********" if value.get_secret_value() else ""
        elif isinstance(value, BaseSettings):  # a section kept under its own prefix
            out[name] = _masked(value)
        else:
            out[name] = value
    return out


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    """Print every setting in force, secrets masked."""
    sections: dict[str, object] = {"platform (TRADING_*)": _masked(settings)}
    for package in SERVICE_PACKAGES.values():
        try:
            module = importlib.import_module(f"{package}.config")
        except ImportError:
            continue
        for obj in vars(module).values():
            defined_here = getattr(obj, "__module__", None) == module.__name__  # not imported ones
            if isinstance(obj, type) and issubclass(obj, BaseSettings) and defined_here:
                prefix = obj.model_config.get("env_prefix", "")
                sections[f"{package} ({prefix}*)"] = _masked(obj())
    print(json.dumps(sections, indent=2, default=str))
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Bring every service's schema to the latest revision (or back to base with --down)."""
    from app.migrate import migrate

    names = args.services or list(SERVICE_PACKAGES)
    migrate(settings, [load_spec(n) for n in names], down=args.down)
    return 0


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    """Run every service, the edge and Envoy on this machine."""
    from app.allinone import run_all_in_one

    return run_loop(
        run_all_in_one(
            settings,
            with_envoy=not args.no_envoy,
            bootstrap_first=not args.no_bootstrap,
            envoy_base_id=args.envoy_base_id,
        ),
        settings,
    )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run one service alone (the split run)."""
    from app.allinone import run_single

    if args.service == "platform":
        from app.split import run_platform

        return run_loop(run_platform(settings, port=args.port), settings)
    return run_loop(run_single(settings, args.service, port=args.port), settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trading", description="The trading platform.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="run the whole platform (embedded defaults)")
    up.add_argument("--no-envoy", action="store_true", help="skip the Envoy gateway")
    up.add_argument("--no-bootstrap", action="store_true", help="skip demo data and first models")
    up.add_argument(
        "--envoy-base-id", type=int, default=7, help="Envoy's --base-id (distinct per Envoy on a host)"
    )
    up.set_defaults(func=cmd_up)
    serve = sub.add_parser("serve", help="run one service alone")
    serve.add_argument("service", choices=[*SERVICE_PACKAGES, "platform"])
    serve.add_argument("--port", type=int, default=None, help="gRPC port (default TRADING_GRPC_PORT)")
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", help="migrate the database schemas")
    migrate.add_argument("services", nargs="*", help="only these services (default: all)")
    migrate.add_argument("--down", action="store_true", help="downgrade to base instead")
    migrate.set_defaults(func=cmd_migrate)
    config = sub.add_parser("config", help="print the settings in force, secrets masked")
    config.set_defaults(func=cmd_config)
    from app.commands import register
    from app.split_cli import register_split

    register(sub)
    register_split(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The composition root of every command: the platform's settings are read here, once, and
    handed to the command."""
    settings = Settings()
    logs.configure(settings.log_level, settings.log_json)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130


def serve_alone(service: str, argv: list[str]) -> int:
    """`python -m svc_<service>` (core.standalone): the same as `trading serve <service> ARGV`."""
    return main(["serve", service, *argv])


if __name__ == "__main__":
    sys.exit(main())
