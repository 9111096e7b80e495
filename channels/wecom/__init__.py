"""WeCom (企业微信) self-built application: the API client, its errors, per-person pacing, the
adapter and its rendering, and the callback's crypto and server."""
