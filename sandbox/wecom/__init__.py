"""A WeCom (企业微信) server API emulator (aiohttp) that the bot's WeCom client calls over HTTP.

It stands for WeCom's servers, so it imports nothing of the bot. `server` (`FakeWeComApi`: HTTP,
tokens, media, injected failures, the callback hook), `messages` (message/send, template cards,
their clicks and updates, what each member got), `members` (what members write and send,
the app's menu and its clicks), `store` (the records and WeCom's limits).
"""
