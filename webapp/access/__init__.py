"""Authorization in one place: route access rules and the policy for objects and queries."""
