"""The lecture pages, as the book build executed them from a clean kernel: each lists its lecture's claims from the registry."""
import pytest

from conftest import ROOT, executed, outputs_of
from jielong.claims import CLAIMS, table


@pytest.mark.slow
@pytest.mark.parametrize("lecture", [6, 7, 8])
def test_lecture_page_lists_its_claims(built_book, lecture):
    nb = executed(built_book, ROOT / "lectures" / f"lecture{lecture:02d}.ipynb")
    text = "".join("".join(m) for m in outputs_of(nb, "text/markdown"))
    ids = [c.id for c in CLAIMS.values() if c.lecture == lecture]
    assert ids and all(f"`{i}`" in text for i in ids)


def test_table_rejects_an_unknown_lecture():
    with pytest.raises(ValueError, match="lecture must be one of 6, 7, 8"):
        table(5)
