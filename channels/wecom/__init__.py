"""The WeCom (企业微信) self-built application adapter: the callback's crypto and server."""
