"""The lecture-6 assignment (next-token pairs, a near-duplicate filter) through the real nbgrader pipeline."""
import pytest

from conftest import check_assignment_pipeline

# One plausible mistake per write-it-yourself cell, and what the grader must say about it.
WRONG = {
    "next_token_pairs": ("return [(ids[:i], ids[i]) for i in range(len(ids))]", "3 tokens give 2 examples"),
    "deduplicate": ("return list(dict.fromkeys(texts))", "compare the texts once normalised"),
    "filters": ('FILTERS = ("duplicates",)', "which kind of dirt is most of the corpus?"),
}


@pytest.mark.slow
def test_validate_release_and_autograde(course):
    check_assignment_pipeline(course, "lecture06", WRONG)
