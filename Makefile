# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

BOT_VENV := .venv-bot
BACKEND_VENV := .venv-backend
BOT_PY := $(BOT_VENV)/bin/python
BACKEND_PY := $(BACKEND_VENV)/bin/python
WITH_ENV := scripts/with_env.py
RASA := $(BOT_PY) $(WITH_ENV) $(BOT_VENV)/bin/rasa
MODEL := models/eseva.tar.gz

# Each part adds its own test target to TEST_TARGETS in its mk/*.mk file.
TEST_TARGETS :=
include $(sort $(wildcard mk/*.mk))

.PHONY: help run test bench eval lint format venvs model clean

help:
	@echo "make run    install what is missing, train if the data changed, start everything"
	@echo "make test   every test suite (set TEST_DATABASE_URL to add PostgreSQL)"
	@echo "make bench  load benchmark (starts its own stack; BENCH_ARGS=\"--rasa-url URL\" for a running one)"
	@echo "make eval   NLU report per language on the held-out split"
	@echo "make lint   ruff on both environments"

venvs: $(BOT_VENV)/.installed $(BACKEND_VENV)/.installed

# Rasa 3.6 needs Python 3.10 exactly; find it even when pyenv has not selected it.
$(BOT_VENV)/.installed: requirements-bot.txt
	@py=$$(scripts/find-python 3.10) || { \
	  echo "error: Python 3.10 not found (tried python3.10 on PATH, pyenv's"; \
	  echo "  versions/3.10.*, /usr/local/bin and /usr/bin). Rasa 3.6 needs it:"; \
	  echo "  install it (e.g. 'pyenv install 3.10') and run make again." >&2; exit 1; }; \
	if [ ! -x $(BOT_PY) ]; then echo "creating $(BOT_VENV) with $$py"; \
	  "$$py" -m venv $(BOT_VENV); fi
	@echo "installing the bot's packages into $(BOT_VENV) (Rasa: about 2 minutes)"
	$(BOT_PY) -m pip install --disable-pip-version-check --progress-bar on \
	  -r requirements-bot.txt
	@touch $@

$(BACKEND_VENV)/.installed: backend/requirements.txt
	@py=$$(scripts/find-python 3.11+) || { \
	  echo "error: no Python 3.11 or newer found for the backend." >&2; exit 1; }; \
	if [ ! -x $(BACKEND_PY) ]; then echo "creating $(BACKEND_VENV) with $$py"; \
	  "$$py" -m venv $(BACKEND_VENV); fi
	@echo "installing the backend's packages into $(BACKEND_VENV)"
	$(BACKEND_PY) -m pip install --disable-pip-version-check --progress-bar on \
	  -r backend/requirements.txt
	@touch $@

# Train only when what the model is built from changed (make compares times; Rasa's
# own cache under .rasa/ makes a retrain after a small change quick).
MODEL_INPUTS := config.yml domain.yml $(wildcard data/*.yml) \
	$(wildcard bot/nlu/*.py) bot/policies.py $(wildcard catalog/*.yml)

model: $(MODEL)

$(MODEL): $(MODEL_INPUTS) $(BOT_VENV)/.installed
	@echo "training the model (a few minutes on 2 cores; progress below)"
	$(RASA) train --fixed-model-name eseva --out models
	@touch $@

run: venvs $(MODEL)
	$(BACKEND_PY) scripts/run.py

test: venvs
	@$(MAKE) --no-print-directory -k $(TEST_TARGETS)

lint: venvs
	$(BOT_VENV)/bin/ruff check actions bot simulator tests scripts
	$(BOT_VENV)/bin/ruff format --check actions bot simulator tests scripts
	$(BACKEND_VENV)/bin/ruff check backend tests/backend tests/console
	$(BACKEND_VENV)/bin/ruff format --check backend tests/backend tests/console

format: venvs
	$(BOT_VENV)/bin/ruff format actions bot simulator tests scripts
	$(BACKEND_VENV)/bin/ruff format backend

clean:
	rm -rf models .rasa results var/*.db
