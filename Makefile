# The commands the README names. `make test` and `make run` work on a fresh Debian machine: they install what
# is missing (PostgreSQL from Debian packages) when run as root, or say precisely what to install.
MVN ?= mvn -B -ntp

.PHONY: help test run crds helm-lint bench e2e build tools clean

help:
	@echo "make run        run the product: against the kubeconfig's cluster, or embedded when there is none"
	@echo "make test       run every test of every module (real PostgreSQL, mock Kubernetes API)"
	@echo "make e2e        end-to-end suite only (k3s parts are skipped where Docker is absent)"
	@echo "make crds       regenerate crds/ and the chart's CRDs from the Java classes"
	@echo "make helm-lint  helm lint --strict and helm template checks on the chart"
	@echo "make bench      runtime benchmarks; figures go to docs/benchmarks.md"

tools:
	@hack/ensure-tools.sh lua

test: tools
	$(MVN) verify

build: tools
	$(MVN) install -DskipTests

run: tools
	@hack/run.sh

e2e: tools
	$(MVN) -pl e2e -am verify -Dsurefire.failIfNoSpecifiedTests=false

crds:
	$(MVN) -pl operator -am package -DskipTests
	rm -f crds/*.yml helm/tview-operator/crds/*.yml
	cp operator/target/kubernetes/*-v1.yml crds/
	cp crds/*.yml helm/tview-operator/crds/
	@ls crds

helm-lint:
	$(MVN) -pl operator -am test -Dtest=HelmChartTest -Dsurefire.failIfNoSpecifiedTests=false

bench: tools
	$(MVN) -pl runtime,operator -am -Pbench test -Dsurefire.failIfNoSpecifiedTests=false
	@cat runtime/target/benchmarks.md runtime/target/limits.md runtime/target/contended-benchmarks.md runtime/target/floor-benchmarks.md operator/target/operator-benchmarks.md 2>/dev/null || true

clean:
	$(MVN) clean
