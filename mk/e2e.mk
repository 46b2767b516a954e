# The stack runner's part: end-to-end replays through the whole stack, and the
# benchmark. Both start their own stack on free ports in a temporary directory
# (about 30 s and 1.3 GB for Rasa); `make bench BENCH_ARGS="--rasa-url URL"` uses a
# running one instead.
TEST_TARGETS += test-e2e

E2E_DEPS := $(MODEL) $(BOT_VENV)/.installed $(BACKEND_VENV)/.installed
BENCH_ARGS ?=

.PHONY: test-e2e bench

test-e2e: $(E2E_DEPS)
	$(BOT_PY) -m pytest tests/e2e -q -p no:cacheprovider

bench: $(E2E_DEPS)
	$(BOT_PY) scripts/bench.py $(BENCH_ARGS)
