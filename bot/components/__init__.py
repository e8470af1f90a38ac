"""Custom Rasa NLU components (referenced from config.yml; rasa runs with bot/ as cwd)."""
