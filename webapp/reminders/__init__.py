"""Reminders that respect shifts: before each booked session, and a weekly study nudge."""
