"""Demo data: a small, realistic region to try the platform with."""
