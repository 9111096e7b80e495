"""Telegram through python-telegram-bot: transport, pacing, retries, rendering, the adapter, and
the bot's application, handlers and polling; the only package that imports `telegram`."""
