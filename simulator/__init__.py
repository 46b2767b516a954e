"""A local stand-in for X and Meta: it delivers signed webhooks to the bot, records
what the bot sends, fails on demand, and serves a page for chatting as a citizen."""
