"""Whole pages remembered per user while nothing they show has changed."""
