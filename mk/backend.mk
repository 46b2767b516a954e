# The complaint backend (backend/, package eseva): its tests and a way to run it
# alone. The tests run on SQLite, and the whole suite again on PostgreSQL when
# TEST_DATABASE_URL is set (.ci/run sets it), each test database made and dropped
# by the tests themselves.
TEST_TARGETS += test-backend

.PHONY: test-backend run-backend lint-backend backend-docs bench-backend

test-backend: $(BACKEND_VENV)/.installed
	PYTHONPATH=backend $(BACKEND_PY) -m pytest tests/backend -q -p no:cacheprovider \
	  --confcutdir=tests/backend

# Only the backend, on ESEVA_BACKEND_HOST:ESEVA_BACKEND_PORT (default 127.0.0.1:8000).
run-backend: $(BACKEND_VENV)/.installed
	PYTHONPATH=backend $(BACKEND_PY) $(WITH_ENV) $(BACKEND_PY) -m eseva

lint-backend: $(BACKEND_VENV)/.installed
	$(BACKEND_VENV)/bin/ruff check backend tests/backend
	$(BACKEND_VENV)/bin/ruff format --check backend tests/backend

# Print the state-machine table that docs/backend.md carries.
backend-docs: $(BACKEND_VENV)/.installed
	@PYTHONPATH=backend $(BACKEND_PY) -m eseva.lifecycle

# Latency and throughput of creates and status reads, on a server it starts itself
# (temporary SQLite; add BENCH_BACKEND_ARGS="--postgres postgresql+psycopg://...").
BENCH_BACKEND_ARGS ?=
bench-backend: $(BACKEND_VENV)/.installed
	PYTHONPATH=backend $(BACKEND_PY) backend/tools/bench.py $(BENCH_BACKEND_ARGS)
