"""Composition root of the bot: settings, application wiring, jobs, CLI, texts, rendering."""
