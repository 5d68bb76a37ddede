"""Learners: the profile a learner keeps, and the learner lists staff see."""
