"""Shared fixtures for tests/ and widgets/tests/ (real Rasa, databases, Redis, server nodes)."""

pytest_plugins = ["tests.fixtures"]
