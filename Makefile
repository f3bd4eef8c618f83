# Two commands for a fresh machine with only python3 and pip: `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: setup book test bench profile verify release chromium clean

setup: $(READY)

# torch is pinned first, from PyTorch's CPU index (on Linux PyPI serves a CUDA build of several GB; the CPU build's
# version, 2.13.0+cpu, sorts above it; one retry, so that a machine without that index moves on at once); the
# package's own range then installs nothing more.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --retries 1 torch==2.13.0 --extra-index-url $(TORCH_INDEX)
	$(BIN)/pip install --quiet -e '.[book,test,classroom]'
	touch $(READY)

# Jupyter Book re-executes only notebooks whose code changed (its execution cache); the library's code is not part of
# that key, so a changed library (or package list) clears the cache and every chapter runs again. tools/execute.py
# fills that cache two notebooks at a time first; the build then executes nothing.
LIBRARY_CODE = $$(cat $$(find lib -name '*.py' | sort) pyproject.toml | sha256sum | cut -c1-16)
EXECUTION_CACHE := _build/.jupyter_cache

book: $(READY)
	@code=$(LIBRARY_CODE); if [ "$$(cat $(EXECUTION_CACHE)/library-code 2>/dev/null)" != "$$code" ]; then \
		rm -rf $(EXECUTION_CACHE) && mkdir -p $(EXECUTION_CACHE) && echo $$code > $(EXECUTION_CACHE)/library-code; fi
	$(BIN)/python tools/execute.py $(EXECUTION_CACHE)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

# The browser test drives Debian's chromium; install it when it is missing and we may.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null); } || \
		echo "chromium not installed: the browser test will fail"

test: $(READY) chromium
	$(BIN)/python -m pytest -ra

bench: $(READY)
	$(BIN)/python benchmarks/run.py

# Where a cold build's time goes, by experiment and model (about as long as a cold `make book`).
profile: $(READY)
	$(BIN)/python tools/profile_book.py --out benchmarks/PROFILE.md

# Every claim and its control on seeds 0 to 7 (outside CI: about half an hour a seed on 2 cores), two seeds at a time;
# writes VERIFY.md and the record the tests check.
verify: $(READY)
	$(BIN)/python benchmarks/verify.py --jobs 2

# The classroom: validate every assignment's source, then generate every student release into classroom/release/.
# nbgrader runs `alembic` from the PATH, so the environment's bin folder goes first.
release: $(READY)
	cd classroom && export PATH="$(CURDIR)/$(BIN):$$PATH" && for dir in source/*/; do \
		name=$$(basename $$dir); nbgrader validate $$dir*.ipynb && nbgrader generate_assignment $$name --force || exit 1; \
	done

clean:
	rm -rf _build
