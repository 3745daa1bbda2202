# The two commands: `make demo` (sandbox up, then the presenter's Kafka act, sandbox left running)
# and `make test` (everything, then the HTML report; stops what it started).
SHELL := /bin/bash
VENV ?= /opt/agility/venv
PY := $(VENV)/bin/python
AGILITY := $(PY) -m agility.cli
NODE_PREFIX ?= /var/cache/agility/node
ALLURE := $(NODE_PREFIX)/node_modules/.bin/allure
ALLURE_VERSION := 3.18.0
# JupyterHub's proxy (the sandbox's notebooks); it runs on Debian's node 20
CHP := $(NODE_PREFIX)/node_modules/.bin/configurable-http-proxy
CHP_VERSION := 5.3.0
TOPOLOGY ?= small
# installs requirements.txt into the venv (Makefile's python)
UV_VERSION := 0.9.5

.PHONY: setup python node-tools apt fetch lint unit provision demo test report bench up down status clean

# What does not depend on each other is set up side by side: the Python packages beside npm's, and
# `sandbox fetch` beside the lint (on a new machine: the set-up about a minute shorter).
# Only at the top: a sub-make (the report after the suite) shares its jobs instead of resetting them.
ifeq ($(MAKELEVEL),0)
MAKEFLAGS += --jobs=3
endif

# Debian's own python3 (readable by every node's users, unlike root's pyenv) and the tools; Chromium
# for the JupyterHub act's browser (Playwright drives Debian's, it downloads none); MIT Kerberos'
# headers, which pip builds Python's gssapi against (the KDC itself: `sandbox fetch`, versions.yaml).
apt:
	@need=""; for pair in python3:python3-venv mvn:maven ssh-keygen:openssh-client curl:curl npm:npm \
	    krb5-config:libkrb5-dev gcc:gcc; do \
	  cmd=$${pair%%:*}; pkg=$${pair#*:}; command -v $$cmd >/dev/null || need="$$need $$pkg"; done; \
	  /usr/bin/python3 -c 'import ensurepip' 2>/dev/null || need="$$need python3-venv"; \
	  test -x /usr/lib/chromium/chromium-headless-shell || need="$$need chromium-headless-shell"; \
	  if [ -n "$$need" ]; then echo "installing Debian packages:$$need"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$need; fi

python: apt
	@test -x $(PY) || { echo "creating $(VENV)"; /usr/bin/python3 -m venv $(VENV); }
	@# uv: the pinned requirements in about two thirds of pip's time on a new machine (bytecode
	@# compiled at install, as pip does: the nodes' users cannot write it into the venv later).
	@# CFLAGS: the one package compiled here, gssapi (no Linux wheels), is glue around MIT Kerberos'
	@# library: unoptimised, it builds in 15 s instead of 41 s, the longest wait of the install.
	@stamp=$(VENV)/.requirements-$$(sha256sum requirements.txt | cut -c1-12); \
	  if [ ! -f $$stamp ]; then echo "installing Python packages (pinned in requirements.txt)"; \
	    $(PY) -m pip install -q uv==$(UV_VERSION) && \
	    CFLAGS=-O0 $(VENV)/bin/uv pip install --python $(PY) --compile-bytecode -r requirements.txt && touch $$stamp; fi
	@# a copy of the package for the cluster nodes' users, who cannot read every checkout
	@$(PY) -m pip install -q --no-deps --no-build-isolation --force-reinstall . >/dev/null

# one npm install for both (two at once in one prefix would race); after apt, which brings npm
$(ALLURE) $(CHP) &: | apt
	@echo "installing the Allure report command line and JupyterHub's proxy (npm allure@$(ALLURE_VERSION), configurable-http-proxy@$(CHP_VERSION))"
	@mkdir -p $(NODE_PREFIX) && npm install --no-audit --no-fund --save-exact --prefix $(NODE_PREFIX) \
	  allure@$(ALLURE_VERSION) configurable-http-proxy@$(CHP_VERSION)

node-tools: $(ALLURE) $(CHP)

setup: python node-tools

fetch: setup
	@$(AGILITY) sandbox fetch

lint: python
	@$(PY) -m ruff check agility steps fixtures tests bench conftest.py
	@# the package's layers (pyproject.toml [tool.importlinter]): on failure, which import goes up
	@out=$$($(VENV)/bin/lint-imports --no-cache 2>&1) || { echo "$$out" | sed -n '/Broken contracts/,$$p'; exit 1; }

# the tests that need no service (marked `unit`): seconds, no sandbox started or touched
unit: python
	@$(PY) -m pytest -m unit -q

up: fetch
	@$(AGILITY) sandbox up --topology $(TOPOLOGY)

down:
	@$(AGILITY) sandbox down

status:
	@$(AGILITY) sandbox status

provision: up
	@$(AGILITY) provision all

demo: provision
	@$(PY) -m pytest -k kafka --verbose --keep-sandbox; status=$$?; \
	  echo "the sandbox is still running for the next acts (make down stops it)"; exit $$status

# WORKERS: pytest-xdist's workers. With 2 or 3, each runs a lane of acts on sandbox clusters of its own
# (`shared` and its twin; with 3, the production cluster's acts a lane of their own: fixtures/parallel.py);
# WORKERS=0 runs every act in one process, in order.
# PYTEST_ARGS: more options for pytest (README)
WORKERS ?= 3
test: fetch lint
	@$(PY) -m pytest --verbose -n $(WORKERS) $(PYTEST_ARGS); status=$$?; \
	  $(MAKE) --no-print-directory report || { [ $$status -ne 0 ] || status=1; }; exit $$status

# every benchmark and one table: each figure, its reference from the same run, the ratio, the target
# (about 30 minutes; SKIP=recovery,cold-ha leaves parts out, see bench/all.py)
bench: fetch
	@$(PY) bench/all.py $(if $(SKIP),--skip $(SKIP))

report: $(ALLURE)
	@rm -rf reports/allure-report
	@# allurerc.yaml: the report's name and output, and reports/history.jsonl, the trend across runs
	@$(ALLURE) generate -c allurerc.yaml reports/allure-results >/dev/null && \
	  echo "report: reports/allure-report/index.html" || { echo "the Allure report could not be generated"; exit 1; }
	@# what a stakeholder will see: the features, a step and its attachment, the environment, the trend
	@$(AGILITY) report check

clean:
	rm -rf reports/allure-results reports/allure-report .pytest_cache
