"""Fill the English catalogue: the source strings are English, so each message is its own text.

Usage: python translations/english_catalogue.py translations/en/LC_MESSAGES/messages.po
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def fill(path: str) -> int:
    """Copy each msgid into its empty msgstr (both plural forms); return how many were filled."""
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False, no_location=True)
    return filled


if __name__ == "__main__":
    print(f"english catalogue: {fill(sys.argv[1])} message(s) filled")
