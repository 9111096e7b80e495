"""Services: item lifecycle, sign-off chains, adoptions, invites, figures, reminders (no Telegram)."""
