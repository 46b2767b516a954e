# The NLU part (docs/nlu.md): unit tests of the custom components in bot/nlu/ and of
# bot/policies.py, tests of the training data, model-level tests of
# models/eseva.tar.gz, and the held-out report.
TEST_TARGETS += test-nlu

.PHONY: test-nlu eval

test-nlu: $(MODEL) $(BOT_VENV)/.installed
	$(BOT_PY) -m pytest tests/nlu -q -p no:cacheprovider

# Intent accuracy and entity P/R/F1 per language on tests/nlu/heldout-*.yml; writes
# results/nlu-report.md and results/nlu-report.json. A report, not a pass/fail test.
eval: $(MODEL) $(BOT_VENV)/.installed
	$(BOT_PY) $(WITH_ENV) $(BOT_PY) scripts/nlu_eval.py --model $(MODEL)
