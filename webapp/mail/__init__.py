"""Outgoing e-mail: an outbox table, delivered over SMTP after the request has committed."""
