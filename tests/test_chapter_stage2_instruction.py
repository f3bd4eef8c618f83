"""The chapter "Stage 2: instruction fine-tuning", as the book build executed it, top to bottom from a clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, verdicts_in

CHAPTER = ROOT / "book" / "stage2_instruction.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    assert any("the loss is computed on these tokens" in "".join(h) for h in outputs_of(nb, "text/html")), \
        "the loss mask is missing"
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 2 and "does not hold" not in verdicts
