"""Channel-neutral chat content: what every channel shows, before an adapter renders it."""
