"""Tests of the NLU part (bot/nlu, data/nlu.yml, the trained model)."""
