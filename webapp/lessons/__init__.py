"""Lessons: the catalogue, the lesson player, vocabulary review, placement and study time."""
