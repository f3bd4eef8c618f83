"""Filters for web text, after the rules of C4 and Gopher: drop junk, spam and near-duplicates.

Defined in the chapter "Stage 1: pre-training". These are a few lines of rules on plain strings, which is
why they are written here rather than taken from a data-cleaning library.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from .validation import check_subset

FILTERS = ("junk", "spam", "duplicates")


def is_junk(text: str) -> bool:
    """Machine noise: too few letters, or no sentence ending (the C4 terminal-punctuation rule)."""
    letters = sum(c.isalpha() or c.isspace() for c in text)
    return letters < 0.9 * len(text) or not text.rstrip().endswith((".", "!", "?"))


def is_spam(text: str) -> bool:
    """Shouting: more than half of the words written in capitals."""
    words = text.split()
    return not words or sum(w.isupper() and len(w) > 1 for w in words) > 0.5 * len(words)


def normalise(text: str) -> str:
    """Lower case, letters and digits only: near-duplicates become identical."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def deduplicate(texts: Iterable[str]) -> list[str]:
    """Keep the first of each group of texts that are equal once normalised."""
    seen: set[str] = set()
    out = []
    for text in texts:
        norm = normalise(text)
        if norm not in seen:
            seen.add(norm)
            out.append(text)
    return out


def clean(texts: list[str], filters: Iterable[str] = FILTERS) -> list[str]:
    """Apply the chosen filters (any of "junk", "spam", "duplicates") in that order."""
    filters = check_subset("filters", filters, FILTERS)
    if "junk" in filters:
        texts = [t for t in texts if not is_junk(t)]
    if "spam" in filters:
        texts = [t for t in texts if not is_spam(t)]
    if "duplicates" in filters:
        texts = deduplicate(texts)
    return texts
