# The README's two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := eventnet

.PHONY: run test lint fmt bench translations translations-update wheel clean serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements/lock.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements/lock.txt -e '.[test]'
	touch $@ $(VENV)/.installed-run

translations: $(VENV)/.installed-run
	@if ls eventnet/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile -d eventnet/translations; fi

# Re-extract the strings and merge them into the Finnish and Swedish catalogues.
translations-update: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o eventnet/translations/messages.pot --no-location --sort-output --project eventnet .
	$(BIN)/pybabel update -i eventnet/translations/messages.pot -d eventnet/translations --no-fuzzy-matching

run: $(VENV)/.installed-run translations
	$(BIN)/eventnet db upgrade
	$(BIN)/eventnet demo --if-empty
	@echo ""
	@echo "  eventnet is running on http://$(HOST):$(PORT)"
	@echo "  Organizer login: organizer@eventnet.example / demo-organizer"
	@echo "  (the scheduler runs alongside: reminders, surveys, follow-ups, mail retries)"
	@echo ""
	@$(BIN)/eventnet scheduler --interval 30 & scheduler=$$!; \
		trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
		$(BIN)/eventnet run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test translations
	$(BIN)/ruff check eventnet tests benchmarks scripts
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check eventnet tests benchmarks scripts
	$(BIN)/ruff format --check eventnet tests benchmarks

wheel: $(VENV)/.installed-run
	$(BIN)/pip wheel --no-deps -w dist .

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache

# The production stack on this machine against PostgreSQL and Redis on 127.0.0.1 (docs/deploy.md).
$(VENV)/.installed-scale: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements/lock.txt -e '.[scale]'
	touch $@ $(VENV)/.installed-run

serve: $(VENV)/.installed-scale translations
	$(BIN)/python -m eventnet.ops.serve $(SERVE_ARGS)

# Load benchmark: gunicorn + PostgreSQL on loopback, bounded; results in docs/benchmarks.md.
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements/lock.txt -e '.[bench]'
	touch $@ $(VENV)/.installed-scale $(VENV)/.installed-run

.PHONY: bench-load
bench-load: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.load.run $(BENCH_LOAD_ARGS)
