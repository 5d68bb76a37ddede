"""Background work: the fixed, idempotent jobs and the one process that runs them."""
