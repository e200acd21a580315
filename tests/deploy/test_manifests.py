"""The Kubernetes manifests: rendered with `kubectl kustomize` and every object validated against
the Kubernetes schemas offline (kubernetes-validate), then checked for what the platform needs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.envoy_split import PROXY_SECRET_FROM_ENV, domain_cluster_name

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TARGETS = ["base", "overlays/one-node", "overlays/production"]
DOMAINS = ["auth", "education", "market", "inference", "broker", "billing", "agent", "platform"]
VALIDATOR = Path(sys.executable).parent / "kubernetes-validate"


def kustomize(target: str) -> str:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    done = subprocess.run(
        ["kubectl", "kustomize", str(K8S / target)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VALIDATOR), "--strict", "--quiet", str(path)], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module", params=TARGETS)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    text = kustomize(request.param)
    path = tmp_path_factory.mktemp("k8s") / "all.yaml"
    path.write_text(text)
    return path, [d for d in yaml.safe_load_all(text) if d]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_every_object_validates_against_the_schemas(rendered: tuple[Path, list]) -> None:
    path, objects = rendered
    assert len(objects) > 40
    done = validate(path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_validator_refuses_a_broken_object(tmp_path: Path) -> None:
    spec = {"replicas": "two", "selector": {}, "template": {"spec": {"containers": [{"image": "i"}]}}}
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": spec}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    assert validate(path).returncode != 0


def test_every_domain_has_a_deployment_service_autoscaler_and_budget(rendered: tuple[Path, list]) -> None:
    _, objects = rendered
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert set(DOMAINS) | {"edge", "gateway"} <= set(by_kind(objects, kind)), kind
    for name in DOMAINS:
        service = by_kind(objects, "Service")[name]
        assert service["spec"]["clusterIP"] == "None"  # every replica's address resolves for Envoy
        hpa = by_kind(objects, "HorizontalPodAutoscaler")[name]
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_domain_pods_serve_their_domain_with_grpc_probes_and_requests(rendered: tuple[Path, list]) -> None:
    _, objects = rendered
    for name in DOMAINS:
        container = by_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == ["serve", name]
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            assert container[probe]["grpc"]["port"] == 50051, (name, probe)
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])


def test_secrets_are_referenced_never_shipped(rendered: tuple[Path, list]) -> None:
    _, objects = rendered
    assert not by_kind(objects, "Secret")
    for deployment in by_kind(objects, "Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for env in container.get("env", []):
                assert "value" not in env or not env["name"].endswith(("_KEY", "_SECRET", "_URL")), env


def test_migrations_run_as_a_job_and_outside_services_are_named(rendered: tuple[Path, list]) -> None:
    _, objects = rendered
    job = by_kind(objects, "Job")["migrate"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    services = by_kind(objects, "Service")
    assert services["postgres"]["spec"]["type"] == "ExternalName"
    assert services["redis"]["spec"]["type"] == "ExternalName"


def test_every_domain_is_addressable_by_its_service_name(rendered: tuple[Path, list]) -> None:
    _, objects = rendered
    config = by_kind(objects, "ConfigMap")
    settings = next(c for n, c in config.items() if n.startswith("trading-config"))
    addresses = json.loads(settings["data"]["TRADING_SERVICE_ADDRESSES"])
    assert set(addresses) == set(DOMAINS)
    services = by_kind(objects, "Service")
    for domain, address in addresses.items():
        host, _, port = address.rpartition(":")
        assert host in services, domain
        assert int(port) == services[host]["spec"]["ports"][0]["port"], domain


def test_gateway_config_has_a_cluster_per_domain_and_no_secret(rendered: tuple[Path, list]) -> None:
    _, objects = rendered
    envoy_cm = next(c for n, c in by_kind(objects, "ConfigMap").items() if n.startswith("envoy-config"))
    config = yaml.safe_load(envoy_cm["data"]["envoy.yaml"])
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    for domain in DOMAINS:
        cluster = clusters[domain_cluster_name(domain)]
        assert cluster["type"] == "STRICT_DNS"
        assert cluster["health_checks"][0]["grpc_health_check"] == {}
    assert PROXY_SECRET_FROM_ENV in envoy_cm["data"]["envoy.yaml"]
    gateway = by_kind(objects, "Deployment")["gateway"]["spec"]["template"]["spec"]
    volume = next(v for v in gateway["volumes"] if v["name"] == "envoy-config")
    assert volume["configMap"]["name"] == envoy_cm["metadata"]["name"]


def test_the_gateway_config_is_fresh(tmp_path: Path) -> None:
    """deploy/k8s/base/gateway/envoy.yaml is what deploy/render-envoy.sh makes of the contracts now."""
    committed = (K8S / "base" / "gateway" / "envoy.yaml").read_text()
    copy = tmp_path / "repo"
    copy.mkdir()
    script = (ROOT / "deploy" / "render-envoy.sh").read_text()
    script = script.replace('cd "$(dirname "$0")/.."', f'cd "{ROOT}"').replace(
        "deploy/k8s/base/gateway/envoy.yaml --edge-host", f"{copy / 'envoy.yaml'} --edge-host"
    )
    (copy / "render.sh").write_text(script)
    env = {"PATH": os.environ["PATH"]}
    done = subprocess.run(
        ["bash", str(copy / "render.sh")], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (copy / "envoy.yaml").read_text() == committed, "stale: run deploy/render-envoy.sh and commit"


def test_the_image_copies_every_package() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    packages = ["core", "app", "edge", "quant", *(p.name for p in ROOT.glob("svc_*") if p.is_dir())]
    for package in packages:
        assert f"COPY {package} {package}" in dockerfile, package
    assert "COPY gen gen" in dockerfile
