"""Four interface languages: choosing the locale, the language switcher, formatting helpers."""
