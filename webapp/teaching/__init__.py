"""Teachers' daily work: groups, assigned lessons with due dates, the progress matrix, writing."""
