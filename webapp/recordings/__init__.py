"""Human recordings: teachers voice lesson texts, learners answer speaking tasks."""
