"""Our own Python code that runs inside the Rasa server (NLU components, channels)."""
