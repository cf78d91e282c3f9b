# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Stamps make pip run only when a requirements file changed.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
RAY_STAMP := $(VENV)/.installed-ray
PORT ?= 8501

export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: run test lint bench data browser clean

# With RAY_ADDRESS set, jobs compute on that Ray cluster, so Ray is installed too.
run: $(RUN_STAMP) $(if $(RAY_ADDRESS),$(RAY_STAMP)) data browser
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

test: $(DEV_STAMP) data browser lint
	$(PY) -m pytest

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy linearity_core pages app.py

bench: $(RUN_STAMP) data
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(RAY_STAMP): $(RUN_STAMP) requirements-ray.txt
	$(PY) -m pip install -q -r requirements-ray.txt
	@touch $@

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt requirements-ray.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

# Debian packages are installed only where apt exists and we are root; otherwise the
# dataset loader falls back to the Keras cache/download and the browser test says why it skipped.
define apt_ensure
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get install -y -q $$missing >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null; }; \
	else echo "note: Debian packages missing ($$missing); not root or no apt, skipping"; fi
endef

data:
	$(call apt_ensure,dataset-fashion-mnist)

browser:
	$(call apt_ensure,chromium)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
