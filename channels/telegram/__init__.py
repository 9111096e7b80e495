"""Telegram through python-telegram-bot: transport, pacing, retries, rendering, the adapter."""
