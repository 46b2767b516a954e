# The officer console and human handoff (backend/eseva/console/, docs/console.md).
# test-console: the console over HTTP (sign-in, CSRF, scoping, claim race on a live
# server, replies, return/close against a stand-in Rasa), the timeout watcher, and
# the browser scenario in the system's headless Chromium (installed here if missing;
# Playwright never downloads one). SQLite, and PostgreSQL too with TEST_DATABASE_URL.
TEST_TARGETS += test-console

.PHONY: test-console console-chromium console-officer

CHROMIUM ?= /usr/bin/chromium

console-chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "installing Debian's chromium for the console's browser tests"; \
	  if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then \
	    apt-get update; fi; \
	  apt-get install -y chromium; fi

test-console: $(BACKEND_VENV)/.installed console-chromium
	PYTHONPATH=backend ESEVA_CHROMIUM=$(CHROMIUM) $(BACKEND_PY) -m pytest tests/console \
	  -q -p no:cacheprovider --confcutdir=tests/console

# Create a console officer: make console-officer USERNAME=asha COMPANY=IOCL (asks for
# the password; ROLE=admin for a company admin, COMPANY=MOPNG for the ministry).
ROLE ?= officer
console-officer: $(BACKEND_VENV)/.installed
	@test -n "$(USERNAME)" -a -n "$(COMPANY)" || { \
	  echo "usage: make console-officer USERNAME=<name> COMPANY=<code> [ROLE=admin]"; exit 2; }
	@read -r -s -p "password (10+ characters): " pw; echo; \
	  echo "$$pw" | PYTHONPATH=backend $(BACKEND_PY) $(WITH_ENV) $(BACKEND_PY) \
	  -m eseva.console.accounts $(USERNAME) $(COMPANY) --role $(ROLE)
