"""Integrations with voice-agent frameworks, each behind its own extra, imported lazily."""
