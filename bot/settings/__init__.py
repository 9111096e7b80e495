"""The bot's settings: schema (fields, sections, the whole), loader and error messages."""
