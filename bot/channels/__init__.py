"""Channel connectors for X direct messages and Facebook Messenger.

Rasa loads `bot.channels.x.XInput` and `bot.channels.messenger.MessengerInput` from
`credentials.yml`. The shared machinery (signatures, de-duplication, per-citizen queues,
outbound retries, text splitting) lives in its own modules beside them.
"""
