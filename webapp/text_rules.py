"""What typed text may hold (pure): the characters no name, title, answer or imported cell may
contain, whether it comes through a form (webapp/forms.py) or a file (learners/importing.py)."""

from __future__ import annotations

import re
import unicodedata

# Never in typed text: C0 and C1 controls and DEL, line and paragraph separators, direction
# embeddings, overrides and isolates, zero-width space, word joiner, invisible operators, BOM.
_INVISIBLE = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff"
FORBIDDEN_IN_LINE = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
FORBIDDEN_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_INVISIBLE}]")  # tab, newline: fine


def has_hidden_characters(text: str, several_lines: bool = False) -> bool:
    """True when ``text`` holds a control, direction-changing or invisible character."""
    return bool((FORBIDDEN_IN_TEXT if several_lines else FORBIDDEN_IN_LINE).search(text))


def without_hidden_characters(text: str, several_lines: bool = False) -> str:
    """``text`` in NFC, trimmed, with those characters removed (for text that is graded rather
    than refused, such as a learner's answer)."""
    pattern = FORBIDDEN_IN_TEXT if several_lines else FORBIDDEN_IN_LINE
    return pattern.sub("", unicodedata.normalize("NFC", text)).strip()
