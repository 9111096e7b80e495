"""Telegram glue: parse the update, call a workflow service, render the reply."""
