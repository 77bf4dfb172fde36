"""Writes of the notifications app: recipients and subscriptions (recipients), notify (what
to send to whom), sending (one attempt of a delivery) and its transports."""
