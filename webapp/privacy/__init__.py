"""The learner's data rights: see and take their data, ask for erasure, erasure by an admin."""
