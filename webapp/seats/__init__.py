"""Municipalities buy seats from providers: offerings, orders, the seat pool and its reports."""
