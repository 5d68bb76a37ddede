"""Entitlement: each learner's right to Norwegian training, its deadline, leave and extensions."""
