"""The lecture 6 page, executed from a clean kernel: it lists every lecture-6 claim from the registry."""
from conftest import ROOT, execute_notebook, outputs_of
from jielong.claims import CLAIMS


def test_lecture_page_lists_its_claims():
    nb = execute_notebook(ROOT / "lectures" / "lecture06.ipynb", timeout=120)
    table = "".join("".join(m) for m in outputs_of(nb, "text/markdown"))
    assert all(f"`{c.id}`" in table for c in CLAIMS.values() if c.lecture == 6)
