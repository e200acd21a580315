#!/usr/bin/env bash
# Render the gateway's config for Kubernetes (deploy/k8s/base/gateway/envoy.yaml) from the contracts
# and the base's trading-config settings; `make generate` runs it and `make check-generate` checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
# every TRADING_* setting of the base's trading-config ConfigMap, as the pods get them
mapfile -t settings < <(.venv/bin/python -c 'import yaml
cm = next(d for d in yaml.safe_load_all(open("deploy/k8s/base/config.yaml")) if d["kind"] == "ConfigMap")
print("\n".join(f"{k}={v}" for k, v in cm["data"].items()))')
env -i PATH="$PATH" "${settings[@]}" TRADING_LOG_LEVEL=WARNING \
  .venv/bin/python -m app gateway --render deploy/k8s/base/gateway/envoy.yaml --edge-host edge \
  --secret-from-env --descriptor-at /srv/trading/gen/descriptor.binpb
