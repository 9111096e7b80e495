"""WeCom (企业微信) self-built application: the API client, its errors and per-person pacing."""
