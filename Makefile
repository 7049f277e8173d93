# Forecast Forum. The two commands of the README: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
TEST_WORKERS ?= auto
# gunicorn restarts a worker silent this long: longer than every wait inside the app (a
# PostgreSQL statement 10 s, a connection 3 s, SQLite's lock 30 s), which answer with the
# 503 page first; only a worker stuck elsewhere is cut off.
GUNICORN_TIMEOUT ?= 35
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run dev test screenshots bench lint audit clean

install: $(STAMP)

# Reinstall only when the dependencies change; the package itself is installed editable.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The background worker (emails, reminders, exports) runs beside the web server; Ctrl-C (or
# the end of gunicorn, however it comes) stops it too, gracefully (SIGINT: it finishes the
# job in hand; a queued job waits in the queue for the next start).
run: install
	$(BIN)/forum db upgrade
	$(BIN)/forum seed
	@echo "Serving Forecast Forum at http://$(HOST):$(PORT), with the background worker"
	@$(BIN)/forum worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --timeout $(GUNICORN_TIMEOUT) --access-logfile - 'forum.app:create_app()'

dev: install
	$(BIN)/forum db upgrade
	$(BIN)/forum seed
	$(BIN)/forum run --debug --host $(HOST) --port $(PORT)

# One pytest worker per core (pytest-xdist); each worker makes its own database, so runs and
# workers never see each other's data. `make test TEST_WORKERS=0` runs in one process.
# Bytecode is written even where the machine sets PYTHONDONTWRITEBYTECODE: otherwise every
# worker and every process a test starts compiles the tests and pytest's rewritten plugins
# again (collecting took 6.5 s of CPU a process instead of 2.6 s).
test: install node_modules
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The browser tests only, saving a full-page screenshot of every page they visit, at 390 and
# 1280 px, to artifacts/screenshots/ (`make test` takes none: they cost a sixth of its
# browser time). CI's SQLite pass saves them too.
screenshots: install node_modules
	FORUM_SCREENSHOTS=1 PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) \
		-m browser $(PYTEST_ARGS)

# The outside checkers the suite runs (axe-core, the Nu HTML checker's vnu.jar), exactly as
# package-lock.json pins them; reinstalled only when the lock changes. Their install scripts
# are skipped: vnu-jar's would download a Java runtime, and the machine's own Java runs it.
node_modules: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch node_modules

# Lighthouse on the article, the board and a prediction page: accessibility, best practices
# and SEO must each score 100. Not part of `make test` (about 30 s a page); its own lock.
audit/node_modules: audit/package-lock.json
	npm ci --prefix audit --ignore-scripts --no-audit --no-fund
	touch audit/node_modules

audit: install audit/node_modules
	$(BIN)/python audit/lighthouse.py

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check forum tests config.py

clean:
	rm -rf $(VENV) instance/forum.db* .pytest_cache artifacts
