"""Organisations: municipalities, providers, and municipal centres that are both."""
