"""Channel adapters: each turns the core's content into one network's messages and back."""
