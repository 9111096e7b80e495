"""A fake Telegram Bot API server (aiohttp) that a real PTB `Application` polls over HTTP.

Flow tests (../shared/spec/DESIGN.md, "Tests") and a local sandbox point
`ApplicationBuilder().base_url(server.base_url).base_file_url(server.base_file_url)` at it;
it answers like Telegram (same result shapes, same error codes and descriptions), records
every call, and lets the caller act as users: messages, commands with `bot_command`
entities, photos, documents and button clicks with `chat_instance`.

Deliberate limits: one bot per server (any well-formed token, or only `token` if given);
no webhooks are delivered; photos are not resized (every size stores the uploaded bytes);
`Markdown`/`MarkdownV2` are not parsed (text kept as sent); URLs given as files are not
fetched (answered like an unreachable URL).

It stands for Telegram's servers, so it imports nothing of the bot. Modules: `server`
(`FakeBotApi`: HTTP, routing, lifecycle, users and groups), `store` (chats, messages, the
update queue, waiting), `updates` (getUpdates, webhooks), `messages` (send, edit, delete),
`callbacks` (button presses and their answers), `files` (photos, documents, getFile),
`commands` (command lists, menu buttons), `faults` (injected failures, flood limits),
`reading` (what the bot did), `people` (`FakeUser`, `FakeGroup`); pure helpers: `api`
(shapes, errors, limits), `html_mode` (the HTML parse mode), `entities`, `images`.
"""
