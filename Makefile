# The front door. `make verify` runs the main job, `make test` the full test suite; both bootstrap
# everything they need (virtualenvs, Python deps, the IaC toolchain) on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
COMPLIANCE_VENV := .venv-compliance
ENV ?= dev
TARGET ?= local
PYTEST_ARGS ?= -n auto
# `make test` spends much of its time waiting on subprocesses (tofu, the Trino JVMs, Lambda runtimes): one
# xdist worker more than the cores keeps them busy (docs/benchmarks.md: 315 -> 268 s on two cores). A
# PYTEST_ARGS given on the command line or in the environment replaces this too.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
TEST_PYTEST_ARGS = $(if $(filter file,$(origin PYTEST_ARGS)),-n $(TEST_WORKERS),$(PYTEST_ARGS))

export TARGET
# The local Athena's engine (docs/architecture.md): trino (default, Athena engine v3's own) or duckdb.
LAKEHOUSE_ATHENA_ENGINE ?= trino
export LAKEHOUSE_ATHENA_ENGINE
TRINO_DEP := $(if $(filter trino,$(LAKEHOUSE_ATHENA_ENGINE)),trino)

.PHONY: help venv compliance-venv tools trino zips lint fmt test unit slow verify compliance clean lock smoke drift fidelity

help: ## list targets
	@grep -E '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (set PYTHON=python3.11)")'
	@echo "[venv] creating $(VENV) and installing pinned dependencies (requirements.lock)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

$(COMPLIANCE_VENV)/.installed: requirements-compliance.lock
	@echo "[venv] creating $(COMPLIANCE_VENV) for terraform-compliance (isolated: it pins old libraries)"
	@test -x $(COMPLIANCE_VENV)/bin/python || $(PYTHON) -m venv $(COMPLIANCE_VENV)
	@$(COMPLIANCE_VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(COMPLIANCE_VENV)/bin/python -m pip install --quiet -r requirements-compliance.lock
	@touch $@

venv: $(VENV)/.installed ## create .venv with the pinned project dependencies

compliance-venv: $(COMPLIANCE_VENV)/.installed ## create the isolated terraform-compliance virtualenv

tools: venv ## build OpenTofu and the AWS provider from their Go modules (no-op when cached)
	@$(PY) -m harness.iac.toolchain ensure

trino: venv ## install the pinned Trino server for the local Athena into the tool cache (no-op when cached)
	@$(PY) -m harness.local.athena.trino.install ensure

zips: venv ## build the Lambda zips reproducibly into dist/lambda (what terraform/ deploys by default)
	@$(PY) -m harness.pipeline.zips --out dist/lambda

lint: venv tools ## ruff and tofu fmt -check
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$$($(PY) -m harness.iac.toolchain env | sed -n 's/^TF_BIN=//p') fmt -check -recursive terraform

fmt: venv tools ## format Python and HCL in place
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .
	@$$($(PY) -m harness.iac.toolchain env | sed -n 's/^TF_BIN=//p') fmt -recursive terraform

test: venv compliance-venv tools $(TRINO_DEP) ## the full test suite, every tier (what .ci/run runs)
	@$(PY) -m pytest $(TEST_PYTEST_ARGS)

# The unit tier is tests/unit without the slow tier (marker `slow`: a JVM start or a long scenario);
# `make test` (and `make verify FULL=1`) run both.
unit: venv ## the fast unit tier only (tests/unit without the slow tier)
	@$(PY) -m pytest tests/unit -m "not slow" $(PYTEST_ARGS)

slow: venv $(TRINO_DEP) ## the slow tier of tests/unit: the Trino engine tests and long scenarios
	@$(PY) -m pytest tests/unit -m slow $(PYTEST_ARGS)

fidelity: venv ## the Athena SQL corpus on the local Athena against Trino; writes docs/fidelity.md
	@$(PY) -m harness.local.athena.fidelity $(if $(TRINO_ENGINE),--trino-engine $(if $(RECORD),--record),$(if $(TRINO_URL),--trino $(TRINO_URL) $(if $(RECORD),--record)))

# `make verify` is the main job (the stack: lint, validate, plans, gates, unit tier, the pipeline scenarios on one
# local environment); FULL=1 adds what `make test` runs besides (the slow tier, the whole integration suite).
verify: venv compliance-venv tools $(TRINO_DEP) ## the main job: lint, validate, plans, gates, unit + local pipeline; FULL=1: every tier too
	@$(PY) -m harness.commands.verify $(if $(FULL),--full)

compliance: venv compliance-venv tools ## fresh plan of ENV on the embedded local AWS, then the terraform-compliance gates
	@$(PY) -m harness.gates.compliance --env $(ENV)

# Environments (harness.commands.deploy; docs/runbook.md): what CI runs is what a person runs. TARGET=aws needs
# credentials and STATE_BUCKET; there ENV must be named (plan-<env> names it; smoke/drift take ENV=).
ENV_ARG = $(if $(filter command line environment environment override,$(origin ENV)),--env $(ENV))
CONFIRM ?=
SMOKE_ARGS ?=

plan-%: venv tools ## plan an env (plan-dev, plan-pr-123): saved plan, plan JSON, summary
	@$(PY) -m harness.commands.deploy plan --env $* --target $(TARGET)

apply-%: venv tools ## plan an env and apply exactly that plan
	@$(PY) -m harness.commands.deploy apply --env $* --target $(TARGET)

destroy-%: venv tools ## plan a destroy of an env and apply it (prod needs CONFIRM=prod)
	@$(PY) -m harness.commands.deploy destroy --env $* --target $(TARGET) --confirm "$(CONFIRM)"

gates-%: venv compliance-venv ## compliance gates on the plan plan-<env> saved (.work/plans/<env>.json)
	@test -f .work/plans/$*.json || { echo "no saved plan for $*: run make plan-$* first" >&2; exit 1; }
	@$(PY) -m harness.gates.compliance --plan .work/plans/$*.json

smoke: venv tools $(TRINO_DEP) ## the smoke suite (tests/smoke) against ENV on TARGET (local: deploy, test, destroy)
	@$(PY) -m harness.commands.deploy smoke $(ENV_ARG) --target $(TARGET) -- $(SMOKE_ARGS)

drift: venv tools ## plan -detailed-exitcode per env (ENV=, default all on local); exit 2 on drift
	@$(PY) -m harness.commands.deploy drift $(ENV_ARG) --target $(TARGET)

lock: ## re-resolve requirements.lock and requirements-compliance.lock from pyproject.toml
	@rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv && .lockvenv/bin/pip install --quiet -e '.[dev]' \
	  && (echo "# Exact versions the Makefile installs the project with (pip -c). Regenerate: make lock"; \
	      .lockvenv/bin/pip freeze --exclude-editable | grep -v '^-e') > requirements.lock && rm -rf .lockvenv
	@rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv && .lockvenv/bin/pip install --quiet terraform-compliance==1.16.0 \
	  && (echo "# terraform-compliance pins old libraries: it gets its own virtualenv (.venv-compliance). Regenerate: make lock"; \
	      .lockvenv/bin/pip freeze) > requirements-compliance.lock && rm -rf .lockvenv

clean: ## remove virtualenvs, build outputs and scratch (the per-user tool cache stays)
	rm -rf $(VENV) $(COMPLIANCE_VENV) .work dist .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
