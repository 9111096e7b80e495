"""The channel-neutral chat layer: content, capabilities and what people can press, no network."""
