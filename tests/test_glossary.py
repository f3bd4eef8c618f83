"""The glossary (glossary.md) and tools/glossary.py: every chapter links its first use of each term, both languages."""
import re

import nbformat
import pytest
import yaml

from conftest import ROOT  # conftest puts tools/ on the path

import glossary  # noqa: E402


def test_every_entry_has_an_english_and_a_chinese_name_but_kto():
    for term in glossary.terms():
        has_chinese = any(re.search(r"[\u4e00-\u9fff]", n) for n in term.names)
        assert has_chinese or term.names == ("KTO",), term
    names = [n.lower() for t in glossary.terms() for n in t.names]
    assert len(names) == len(set(names)) and len(glossary.terms()) >= 25


def test_the_glossary_is_a_page_of_the_book():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert "glossary" in [c["file"] for part in toc["parts"] for c in part["chapters"]]


@pytest.mark.parametrize("chapter", [c.stem for c in glossary.CHAPTERS])
def test_a_chapters_first_use_of_each_term_links_to_the_glossary_with_both_languages(chapter):
    nb = nbformat.read(ROOT / "book" / f"{chapter}.ipynb", as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    used = [(t, glossary.first_use(markdown, t)) for t in glossary.terms()]
    used = [(t, u) for t, u in used if u is not None]
    assert used, "the chapter uses no glossary term"
    for term, (_, _, _, text) in used:
        assert text.startswith("{term}"), f"first use of {term.target!r} is not linked: {text!r}"
    unlinked_language = [t.target for t, (i, s, e, text) in used if t.other_name(text) is not None
                         and t.other_name(text) not in markdown[i][max(0, s - 40):e + 40]
                         and t.other_name(text) not in text]
    assert not unlinked_language, f"the other language is missing beside: {unlinked_language}"


def test_linking_names_the_other_language_once():
    term = glossary.Term(("pre-training", "预训练"))
    assert glossary.link("read in pre-training.", 8, 20, term) == "read in {term}`pre-training (预训练) <pre-training>`."
    assert glossary.link("pre-training (预训练)", 0, 12, term) == "{term}`pre-training <pre-training>` (预训练)"


def test_code_headings_and_links_are_not_uses():
    term = glossary.Term(("LoRA", "低秩适配"))
    cells = ["# LoRA\n\n```python\nLoRA = 1\n```\n\n`LoRA` and [LoRA](x) and then LoRA here"]
    cell, start, end, text = glossary.first_use(cells, term)
    assert cells[0][start:end] == "LoRA" and cells[0][:start].endswith("and then ")
