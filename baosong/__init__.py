"""The `baosong` command: the composition root's CLI with the sandbox plugged in. The top
layer, above `bot/` and `sandbox/` (which wires the bot to its emulator)."""
