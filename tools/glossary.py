"""Link each chapter's first use of every glossary term to `glossary.md`, with the term's other language beside it.

`python tools/glossary.py` rewrites the chapters' Markdown cells; `tests/test_glossary.py` fails while a chapter's
first use of a term is not linked. A term is used where one of its names appears in running text: headings, code,
maths, links and directive lines are not running text.
"""
import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
# Spans that are not running text: inline code, maths, Markdown links, roles (a linked term among them).
_SKIP = re.compile(r"`[^`]*`|\$[^$]*\$|\[[^\]]*\]\([^)]*\)|\{[a-z]+\}`[^`]*`")


@dataclass(frozen=True)
class Term:
    """A glossary entry: its names (the first is the one links point to), English and Chinese."""
    names: tuple[str, ...]

    @property
    def target(self) -> str:
        return self.names[0]

    def other_name(self, used: str) -> str | None:
        """The entry's name in the other language from `used`, if it has one."""
        chinese = bool(re.search(r"[\u4e00-\u9fff]", used))
        return next((n for n in self.names if bool(re.search(r"[\u4e00-\u9fff]", n)) != chinese), None)


@functools.cache  # read once: first_use consults every entry for every term of every chapter
def terms() -> tuple[Term, ...]:
    """The entries of the glossary page, in its order."""
    block = (ROOT / "glossary.md").read_text().split(":::{glossary}")[1].split(":::")[0]
    entries, names = [], []
    for line in block.splitlines():
        if line and not line.startswith(" "):
            names.append(line.strip())
        elif names:
            entries.append(Term(tuple(names)))
            names = []
    return tuple(entries)


def _pattern(name: str) -> re.Pattern:
    if re.search(r"[\u4e00-\u9fff]", name):
        return re.compile(re.escape(name))
    return re.compile(rf"(?<![\w-]){re.escape(name)}s?(?![\w-])", re.I)


def _prose(line: str) -> bool:
    return not line.lstrip().startswith(("#", "```", ":::", ":class:", "|", "<"))


def first_use(cells: list[str], term: Term) -> tuple[int, int, int, str] | None:
    """Where a chapter first uses the term in running text, linked or not: (cell, start, end, text) in the cell's
    source, or None. A linked use is reported as its whole role."""
    patterns = [_pattern(n) for n in term.names]
    # A name inside another term's longer name ("parameters" in "initial parameters") is not a use of this term.
    longer = [_pattern(n) for other in terms() if other != term for n in other.names
              if any(own.lower() in n.lower() and own.lower() != n.lower() for own in term.names)]
    for index, source in enumerate(cells):
        offset, fences = 0, []  # open fences: a directive's content is prose, a code block's is not
        for line in source.splitlines(keepends=True):
            fence = line.lstrip().startswith("```")
            if fence:
                if line.lstrip().startswith("```{"):
                    fences.append("directive")
                elif fences and line.strip() == "```":
                    fences.pop()
                else:
                    fences.append("code")
            if "code" not in fences and not fence and _prose(line):
                hits = []
                for role in re.finditer(r"\{term\}`([^`<]*)(?:<([^>]*)>)?`", line):
                    target = (role.group(2) or role.group(1)).strip().lower()
                    if target in [n.lower() for n in term.names]:
                        hits.append((role.start(), role.end(), role.group(0)))
                masked = _SKIP.sub(lambda m: " " * len(m.group(0)), line)
                for pattern in longer:
                    masked = pattern.sub(lambda m: " " * len(m.group(0)), masked)
                for pattern in patterns:
                    hits += [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(masked)]
                if hits:
                    start, end, text = min(hits)
                    return index, offset + start, offset + end, text
            offset += len(line)
    return None


def link(source: str, start: int, end: int, term: Term) -> str:
    """The source with the use at [start, end) turned into a glossary link naming the term's other language."""
    used = source[start:end]
    other = term.other_name(used)
    nearby = source[max(0, start - 40):end + 40]
    title = used if other is None or other in nearby else f"{used} ({other})"
    return f"{source[:start]}{{term}}`{title} <{term.target}>`{source[end:]}"


def link_chapter(path: Path) -> int:
    """Link the first use of every term in one chapter; the number of links added."""
    nb = nbformat.read(path, as_version=4)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    added = 0
    for term in terms():
        use = first_use([c.source for c in markdown], term)
        if use is not None and not use[3].startswith("{term}"):
            index, start, end, _ = use
            markdown[index].source = link(markdown[index].source, start, end, term)
            added += 1
    if added:
        nbformat.write(nb, path)
    return added


if __name__ == "__main__":
    for chapter in CHAPTERS:
        print(f"{link_chapter(chapter):3d} links added to {chapter.relative_to(ROOT)}", file=sys.stderr)
