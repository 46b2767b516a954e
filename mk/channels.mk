# The channel connectors (bot/channels/) and the platform simulator (simulator/).
# test-channels: unit tests and replays of real-format webhook payloads against a
# running Sanic server with a stub bot (SQLite, and the store on PostgreSQL too when
# TEST_DATABASE_URL is set). test-channels-stack: the same channels through the whole
# stack with real Rasa (needs the trained model; about a minute to start).
TEST_TARGETS += test-channels test-channels-stack

.PHONY: test-channels test-channels-stack run-simulator

test-channels: $(BOT_VENV)/.installed
	$(BOT_PY) -m pytest tests/channels -q -p no:cacheprovider --ignore=tests/channels/stack

test-channels-stack: $(MODEL) $(BOT_VENV)/.installed $(BACKEND_VENV)/.installed
	$(BOT_PY) -m pytest tests/channels/stack -q -p no:cacheprovider

# Only the simulator, on ESEVA_SIMULATOR_PORT, delivering to ESEVA_RASA_URL.
run-simulator: $(BOT_VENV)/.installed
	$(BOT_PY) $(WITH_ENV) $(BOT_PY) -m simulator
