"""The channel-neutral chat core: what people can press and be asked, with no network in it."""
