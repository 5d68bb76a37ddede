"""CSV files for spreadsheets (Excel in Norway): how a user-typed text becomes a safe cell."""

from __future__ import annotations

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value: str) -> str:
    """User-entered text as a cell that a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.lstrip(" ")[:1] in FORMULA_STARTS else value
