"""Site-wide pages: the front page, dashboards, error pages, security headers."""
