#!/usr/bin/env bash
# `make run`: builds the operator and runs it against the cluster of the current kubeconfig context.
set -euo pipefail
cd "$(dirname "$0")/.."
MVN=${MVN:-mvn -B -ntp}

kubeconfig=${KUBECONFIG:-$HOME/.kube/config}
if [ ! -s "${kubeconfig%%:*}" ]; then
  cat >&2 <<MSG
No Kubernetes cluster configured: ${kubeconfig} does not exist.
Point KUBECONFIG at a cluster (kind, k3d, minikube or a real one), install the CRDs with
  kubectl apply -f crds/
and run 'make run' again.
MSG
  exit 2
fi

$MVN -q install -DskipTests
if command -v kubectl >/dev/null 2>&1; then
  kubectl apply -f crds/
fi
exec java -jar operator/target/quarkus-app/quarkus-run.jar
