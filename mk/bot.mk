# The dialogue part (docs/conversation.md): the complaint form, rules and custom
# actions. `test-actions` runs the actions against loopback fakes of the backend and
# of Rasa's HTTP API; `test-stories` checks the training data and replays the test
# stories of tests/stories against the trained model (dialogue predictions only).
TEST_TARGETS += test-actions test-stories

.PHONY: test-actions test-stories run-actions

test-actions: $(BOT_VENV)/.installed
	$(BOT_PY) -m pytest tests/actions -q -p no:cacheprovider

# `rasa data validate --fail-on-warnings` cannot pass here: it warns about every reply
# sent only by a custom action and about the EXTERNAL_ intent that only the outbox
# worker triggers. So validation fails on errors and on any other warning.
test-stories: $(MODEL) $(BOT_VENV)/.installed
	@log=$$(mktemp); \
	if ! $(RASA) data validate > $$log 2>&1; then cat $$log; rm -f $$log; exit 1; fi; \
	unexpected=$$(grep "UserWarning" $$log \
	  | grep -v -e "is not used in any story or rule" \
	            -e "intent 'EXTERNAL_[a-z_]*' is listed in the domain" || true); \
	rm -f $$log; \
	if [ -n "$$unexpected" ]; then echo "$$unexpected"; exit 1; fi; \
	echo "rasa data validate: no errors, no unexpected warnings"
	$(RASA) test core --stories tests/stories --model $(MODEL) \
	  --fail-on-prediction-errors --out results/stories

# Only the action server, on ACTION_SERVER_PORT (default 5055).
run-actions: $(BOT_VENV)/.installed
	$(BOT_PY) $(WITH_ENV) $(BOT_VENV)/bin/rasa run actions --actions actions \
	  --port $${ACTION_SERVER_PORT:-5055}
