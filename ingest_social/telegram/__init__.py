"""Telegram bots: the Bot API webhook and sendMessage."""
