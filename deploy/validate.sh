#!/usr/bin/env bash
# Validates the manifests against the Kubernetes OpenAPI schemas shipped in the PyPI package
# kubernetes-validate (strict: unknown fields are errors), in a throwaway venv.
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
