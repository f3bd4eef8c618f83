"""The lecture pages, as the book build executed them from a clean kernel: each lists its lecture's claims from the registry."""
import pytest

from conftest import ROOT, executed, outputs_of
from jielong.claims import CLAIMS
from jielong.lectures import SECTIONS, table


def test_every_claim_names_the_chapter_section_that_shows_its_verdict():
    """A claim's section is the heading under which its chapter computes and prints its verdict, and no other
    chapter cell verifies it (the lecture pages link there)."""
    import re

    import nbformat
    from myst_parser.mdit_to_docutils.base import default_slugify  # the heading anchors' own slugs

    shown = {}
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        anchor = None
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for heading in re.findall(r"^#{1,3} (.*)$", cell.source, re.M):
                    anchor = default_slugify(heading)
            else:
                for claim_id in CLAIMS:
                    if f'"{claim_id}"' in cell.source:
                        shown.setdefault(claim_id, []).append(f"{path.stem}#{anchor}")
    assert {i: [section] for i, section in SECTIONS.items()} == shown



@pytest.mark.slow
@pytest.mark.parametrize("lecture", [6, 7, 8])
def test_lecture_page_lists_its_claims(built_book, lecture):
    """Each claim is on its own lecture's page only, with its verdict and a link to the section that shows it."""
    texts = {n: "".join("".join(m) for m in outputs_of(executed(built_book, ROOT / "lectures" / f"lecture{n:02d}.ipynb"),
                                                        "text/markdown")) for n in (6, 7, 8)}
    for claim in (c for c in CLAIMS.values() if c.lecture == lecture):
        chapter, anchor = SECTIONS[claim.id].split("#")
        assert f"`{claim.id}`" in texts[lecture] and f"(../book/{chapter}.ipynb#{anchor})" in texts[lecture], claim.id
        assert not [n for n in texts if n != lecture and f"`{claim.id}`" in texts[n]], claim.id
    assert "does not hold" not in texts[lecture] and texts[lecture].count("✅ holds") >= 3


@pytest.mark.slow
def test_lecture_pages_link_to_sections_that_exist(built_book):
    """Every link of the lecture pages into a chapter lands on an element of that page (a section's anchor)."""
    import re

    html = built_book / "html"
    for page in sorted((html / "lectures").glob("lecture*.html")):
        links = re.findall(r'href="\.\./book/([a-z0-9_]+)\.html#([^"]+)"', page.read_text())
        assert len(links) >= 5, page.name
        for chapter, anchor in links:
            target = (html / "book" / f"{chapter}.html").read_text()
            assert f'id="{anchor}"' in target, f"{page.name} links to a missing section {chapter}#{anchor}"


def test_table_rejects_an_unknown_lecture():
    with pytest.raises(ValueError, match="lecture must be one of 6, 7, 8"):
        table(5)
    with pytest.raises(ValueError, match="seed must be an integer from 0"):
        table(6, seed=-1)
