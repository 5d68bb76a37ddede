"""Listening practice: dictation and questions on recorded dialogues, from teachers' recordings."""
