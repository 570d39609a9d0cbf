#!/usr/bin/env bash
# Validates the manifests against the Kubernetes OpenAPI schemas shipped in the PyPI package
# kubernetes-validate (strict: unknown fields are errors), in a throwaway venv, and the KServe
# InferenceService against KServe's own models (validate_kserve.py).
#
#   bash deploy/validate.sh [KUBERNETES_VERSION]     (default 1.37.0)
set -euo pipefail
cd "$(dirname "$0")"
venv="${VENV:-../target/kubernetes-validate-venv}"
[[ -x "$venv/bin/kubernetes-validate" ]] || {
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate==1.37.0
}
"$venv/bin/kubernetes-validate" --strict -k "${1:-1.37.0}" deployment.yaml service.yaml hpa.yaml

# The KServe InferenceService: no Kubernetes schema covers a custom resource, so it is checked
# as strictly against the KServe release's own OpenAPI models (see validate_kserve.py), read
# from the pinned wheels of KServe's SDK and the Kubernetes client (downloaded, not installed;
# the client stays at 35.0.0, the last release whose models are plain OpenAPI classes).
wheels="${KSERVE_WHEELS:-../target/kserve-schema-wheels}"
kserve_wheel="$wheels/kserve-0.21.0-py3-none-any.whl"
kubernetes_wheel="$wheels/kubernetes-35.0.0-py2.py3-none-any.whl"
[[ -f "$kserve_wheel" && -f "$kubernetes_wheel" ]] || "$venv/bin/pip" download --quiet \
    --disable-pip-version-check --no-deps -d "$wheels" kserve==0.21.0 kubernetes==35.0.0
"$venv/bin/python" validate_kserve.py "$kserve_wheel" "$kubernetes_wheel" inferenceservice.yaml
