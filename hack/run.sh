#!/usr/bin/env bash
# `make run`.
#  - With a cluster in the current kubeconfig (a current context): builds the operator, applies crds/ with kubectl
#    when available, and runs the operator against that cluster.
#  - Without one: the embedded mode (devmode/): a throwaway PostgreSQL with examples/shop/schema.sql, the Fabric8
#    mock API server, the operator as a child process, examples/shop/tview-*.yaml applied and watched, a status
#    table printed as TViews converge. Ctrl-C stops all of it.
# RUN_MODE=cluster|embedded forces a mode.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MVN=${MVN:-mvn -B -ntp}

has_current_context() {
  if command -v kubectl >/dev/null 2>&1; then
    kubectl config current-context >/dev/null 2>&1
    return
  fi
  local files=${KUBECONFIG:-$HOME/.kube/config} f
  local IFS=:
  for f in $files; do
    if [ -s "$f" ] && grep -Eq '^current-context:[[:space:]]*[^[:space:]"]' "$f"; then
      return 0
    fi
  done
  return 1
}

mode=${RUN_MODE:-}
if [ -z "$mode" ]; then
  if has_current_context; then mode=cluster; else mode=embedded; fi
fi

case "$mode" in
  cluster)
    echo "make run: cluster mode: the operator runs against the current context of ${KUBECONFIG:-$HOME/.kube/config}"
    $MVN -q install -DskipTests
    if command -v kubectl >/dev/null 2>&1; then
      kubectl apply -f crds/
    else
      echo "kubectl not found: make sure the CRDs in crds/ are installed in the cluster" >&2
    fi
    exec java -jar operator/target/quarkus-app/quarkus-run.jar
    ;;
  embedded)
    echo "make run: embedded mode: no cluster in the kubeconfig, so PostgreSQL, a Kubernetes API (Fabric8 mock server)"
    echo "          and the operator all run on this machine (RUN_MODE=cluster with a kubeconfig to use a real cluster)"
    echo "make run: building the operator and the launcher (mvn install -DskipTests -pl operator,devmode -am) ..."
    $MVN -q install -DskipTests -pl operator,devmode -am
    cp_file=devmode/target/devmode.classpath
    if [ ! -s "$cp_file" ]; then
      echo "make run: $cp_file is missing after the build" >&2
      exit 1
    fi
    # java directly (not mvn exec): Ctrl-C reaches the launcher, whose shutdown hook stops everything it started.
    exec java -cp "devmode/target/classes:$(cat "$cp_file")" dev.tviews.devmode.DevMode "$ROOT"
    ;;
  *)
    echo "RUN_MODE must be cluster or embedded, not '$mode'" >&2
    exit 2
    ;;
esac
