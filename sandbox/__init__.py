"""The sandbox: a local Telegram (Bot API emulator), a web chat page, a demo centre and a movable clock."""
