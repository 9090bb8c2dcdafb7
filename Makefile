# Palabre — the two front doors are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PALABRE := $(BIN)/palabre
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test install install-test translations messages docs-settings docs-permissions lint bench clean

demo: install translations
	$(PALABRE) db upgrade
	$(PALABRE) demo load
	$(PALABRE) serve --host $(HOST) --port $(PORT)

test: install-test translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: $(BIN)/python
	$(BIN)/pybabel compile --statistics -d consult/translations

bench: install
	$(BIN)/python bench/redaction.py
	$(BIN)/python bench/embedders.py
	$(BIN)/python bench/themes.py
	$(BIN)/python bench/opinion.py
	$(BIN)/python bench/opinion.py --polis
	$(BIN)/python bench/verdicts.py
	$(BIN)/python bench/merkle.py
	$(BIN)/python bench/audit_log.py
	$(BIN)/python bench/bias.py

lint: install-test
	$(BIN)/ruff check consult nlp ethics_register tests bench

clean:
	rm -rf $(VENV) .pytest_cache

# (Developers) after changing interface text: refresh the catalogue, then translate the new entries.
messages: $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext --no-location --sort-output \
		--project Palabre -o consult/translations/messages.pot .
	$(BIN)/pybabel update -i consult/translations/messages.pot -d consult/translations --no-fuzzy-matching

# (Developers) after changing consult/config.py: rewrite the settings table in docs/admin.md.
docs-settings: install
	$(BIN)/python -c "import re, pathlib; from consult.config import settings_markdown as t; \
	p = pathlib.Path('docs/admin.md'); s = p.read_text(); \
	p.write_text(re.sub(r'(<!-- settings:start -->\n).*?(<!-- settings:end -->)', lambda m: m.group(1) + t() + '\n' + m.group(2), s, flags=re.S))"

# (Developers) after adding a route or changing tests/security/permissions.py: rewrite docs/permissions.md.
docs-permissions: install
	$(BIN)/python -m tests.security.permissions
