"""Custom Rasa 3.6 NLU components: featurizer, extractors, language detection."""
