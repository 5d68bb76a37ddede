"""Study time: how long each learner studied, per day and source (lessons, reviews, classes)."""
