"""WeCom (企业微信) self-built application: the API client, its errors, per-person pacing, and
the callback's crypto and server."""
