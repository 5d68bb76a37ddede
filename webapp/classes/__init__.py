"""Flexible classes: evening, weekend and online series with bookings, waitlists and attendance."""
