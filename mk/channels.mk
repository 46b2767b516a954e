# The channel connectors (bot/channels/) and the platform simulator (simulator/):
# unit tests and replays of real-format webhook payloads against a running Sanic
# server with a stub bot (SQLite, and PostgreSQL too when TEST_DATABASE_URL is set).
# The full-stack channel replays through real Rasa live with the e2e suite.
TEST_TARGETS += test-channels

.PHONY: test-channels run-simulator

test-channels: $(BOT_VENV)/.installed
	$(BOT_PY) -m pytest tests/channels -q -p no:cacheprovider

# Only the simulator, on ESEVA_SIMULATOR_PORT, delivering to ESEVA_RASA_URL.
run-simulator: $(BOT_VENV)/.installed
	$(BOT_PY) $(WITH_ENV) $(BOT_PY) -m simulator
