"""Shared test setup: one cache folder for the whole session, so trained models are shared between tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Persistent across local runs (fast re-runs), empty on a fresh clone (CI trains everything once).
os.environ.setdefault("JIELONG_CACHE", str(ROOT / "_build" / "test-cache"))

import jielong  # noqa: E402,F401  (first, as a chapter imports it: it sets torch's and the Hub's environment)
import torch  # noqa: E402

torch.set_num_threads(min(2, torch.get_num_threads()))

# Offline: every connection off this machine is refused (and fails the test that made it); the book build and its
# kernels run with the same guard through PYTHONPATH, and test_book.py checks that none of them tried.
OFFLINE = ROOT / "tests" / "offline"
sys.path.insert(0, str(OFFLINE))
import sitecustomize  # noqa: E402  (tests/offline/sitecustomize.py: installs the guard in this process)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if anything in this process tried the network, even where the library caught the refusal (a
    background thread's telemetry, for one)."""
    if sitecustomize.ATTEMPTS:
        print(f"\nnetwork attempts refused in the test process: {sorted(set(sitecustomize.ATTEMPTS))}")
        session.exitstatus = 1

# The suite verifies the book's own seed; `make verify` records the other seeds in benchmarks/verify.json, and
# test_claims.py checks that record against the current code and against what this run recomputes on seed 0.
SEEDS = (0,)


@pytest.fixture(scope="session")
def small_world():
    from jielong.worlds import World

    return World(seed=0, n_people=20)


@pytest.fixture(scope="session")
def small_tokenizer(small_world):
    from jielong.base import tokenizer_for

    return tokenizer_for(small_world)


@pytest.fixture(scope="session")
def base():
    """The default base model and tokenizer (trained once per fresh cache)."""
    from jielong.base import base_model

    return base_model(progress=False)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The whole book built once, strictly, every notebook executed from a clean kernel: the build's `_build` folder.

    The chapter and lecture tests read the executed notebooks the build keeps (its execution cache) rather than
    executing every chapter a second time.
    """
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    guarded = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(OFFLINE), os.environ.get("PYTHONPATH")])),
               "JIELONG_NETWORK_LOG": str(out / "network-attempts.log")}
    # As `make book` does: the notebooks executed two at a time into the build's execution cache, then the build.
    ahead = subprocess.run([sys.executable, str(ROOT / "tools" / "execute.py"), str(out / "_build" / ".jupyter_cache")],
                           capture_output=True, text=True, timeout=4200, env=guarded)
    assert ahead.returncode == 0, ahead.stderr[-5000:]
    proc = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "--warningiserror", "--nitpick",
                           "--keep-going"], capture_output=True, text=True, timeout=4200, env=guarded)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return out / "_build"


def executed(built_book: Path, notebook: Path):
    """One of the book's notebooks with the outputs the build's execution gave it (from the build's execution cache:
    in cache mode Jupyter Book's `jupyter_execute/` copies keep no outputs)."""
    import nbformat
    from jupyter_cache import get_cache

    _, merged = get_cache(str(built_book / ".jupyter_cache")).merge_match_into_notebook(
        nbformat.read(notebook, as_version=4))
    return merged


sys.path.insert(0, str(ROOT / "tools"))
from course import CLASSROOM, nbgrader, scratch_course  # noqa: E402


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A copy of the classroom folder (its configuration and sources) with every assignment's release generated."""
    return scratch_course(tmp_path_factory.mktemp("course"))


def autograde(course: Path, assignment: str, student: str, notebook) -> dict[str, tuple[float, float, str]]:
    """Hand in `notebook` as `student`'s work and autograde it: each graded cell's (score, points, error message)."""
    import nbformat
    from nbgrader.api import Gradebook

    handed_in = course / "submitted" / student / assignment
    handed_in.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, handed_in / f"{assignment}.ipynb")
    nbgrader(course, "autograde", assignment, "--create", "--force", f"--student={student}")
    graded = nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4)
    messages = {c.metadata["nbgrader"]["grade_id"]: "\n".join(o.get("evalue", "") for o in c.get("outputs", []))
                for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade")}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = gradebook.find_submission_notebook(assignment, assignment, student).grades
        return {g.name: (g.score, g.max_score, messages.get(g.name, "")) for g in scores}


def source_of(assignment: str) -> Path:
    """The instructor's notebook of an assignment."""
    return CLASSROOM / "source" / assignment / f"{assignment}.ipynb"


def with_answers(assignment: str, answers: dict[str, str]):
    """The instructor's notebook with some solution regions replaced by other code (what precedes them kept)."""
    import nbformat

    notebook = nbformat.read(source_of(assignment), as_version=4)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if "nbgrader" in c.metadata}
    for grade_id, body in answers.items():
        cells[grade_id].source = cells[grade_id].source.split("### BEGIN SOLUTION")[0] + body
    return notebook


def hidden_lines(assignment: str) -> list[str]:
    """Every line of an assignment's source that students must never see: solutions, hidden tests and rubrics."""
    import re

    import nbformat

    lines = []
    for cell in nbformat.read(source_of(assignment), as_version=4).cells:
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            lines += cell.source.splitlines()
        for begin, end in (("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")):
            lines += [x for block in re.findall(f"{begin}(.*?){end}", cell.source, re.S) for x in block.splitlines()]
    return [x.strip() for x in lines if len(x.strip()) > 12]


def check_assignment_pipeline(course: Path, assignment: str, wrong: dict[str, tuple[str, str]]) -> None:
    """The whole nbgrader pipeline on one assignment, as a course runs it: the source validates; the release hides
    every solution, hidden test and rubric, and is the one committed for students; the solutions get every point; the untouched release gets none; each
    plausible mistake (grade_id: (code, what the grader must say)) loses its points with a message that names it."""
    import nbformat

    assert "Success" in nbgrader(course, "validate", str(source_of(assignment).relative_to(CLASSROOM)))
    release_path = course / "release" / assignment / f"{assignment}.ipynb"
    release, hidden = release_path.read_text(), hidden_lines(assignment)
    committed = CLASSROOM / "release" / assignment / f"{assignment}.ipynb"  # what students open in Binder or Colab
    assert committed.read_text() == release, f"{committed} is stale: run make release"
    assert len(hidden) > 20
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "Rubric"):
        assert marker not in release, marker
    assert not [line for line in hidden if line in release]
    solved = autograde(course, assignment, "teacher", nbformat.read(source_of(assignment), as_version=4))
    automatic = {k: v for k, v in solved.items() if not k.startswith("why_")}
    assert automatic and all(score == points for score, points, _ in automatic.values()), solved
    blank = autograde(course, assignment, "blank", nbformat.read(release_path, as_version=4))
    assert blank and all(score == 0 for score, _, _ in blank.values()), blank
    mistaken = autograde(course, assignment, "mistaken", with_answers(assignment, {k: c for k, (c, _) in wrong.items()}))
    for grade_id, (_, message) in wrong.items():
        score, _, said = mistaken[f"{grade_id}_tests"]
        assert score == 0 and message in said, (grade_id, said)


def panels_in(nb) -> list:
    """The live panels a notebook displays: widget views whose saved state holds a "Train" button.

    A cold run also displays tqdm's progress bars as widgets; they hold no button, so they are not counted.
    """
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})

    def has_train_button(model_id: str) -> bool:
        model = state.get(model_id)
        if model is None:
            return False
        if model["model_name"] == "ButtonModel" and model["state"].get("description") == "Train":
            return True
        children = model["state"].get("children", [])
        return any(has_train_button(child.removeprefix("IPY_MODEL_")) for child in children)

    return [view for view in outputs_of(nb, "application/vnd.jupyter.widget-view+json")
            if has_train_button(view["model_id"])]


def outputs_of(nb, kind: str) -> list:
    """Every output of the given mime type (e.g. "image/png") across the notebook's code cells."""
    return [o["data"][kind] for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if kind in o.get("data", {})]


def verdicts_in(nb) -> str:
    """The Markdown the notebook's code cells displayed (the claims' verdicts among it), as one text."""
    return "".join("".join(m) for m in outputs_of(nb, "text/markdown"))


def printed_in(nb) -> str:
    """What the notebook's code cells printed, as one text."""
    return "".join("".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
