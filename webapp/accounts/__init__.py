"""Accounts: log in and out, password reset, invitations, staff accounts and the profile page."""
