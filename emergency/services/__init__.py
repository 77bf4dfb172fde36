"""Writes of the emergency app: `inbound` (alerts received: pushed or polled, refused with a
reason), `feeds` (the polled CAP feeds), `published` (the alerts the city publishes)."""
