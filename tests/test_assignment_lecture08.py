"""The lecture-8 assignment through the real nbgrader pipeline: validate, release, autograde (solutions, a blank
release, plausible wrong answers), and no solution or hidden test in what students get."""
import re

import nbformat
import pytest

from conftest import CLASSROOM, autograde, nbgrader

ASSIGNMENT = "lecture08"
SOURCE = CLASSROOM / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
# One plausible mistake per write-it-yourself cell, and what the grader must say about it.
WRONG = {
    "reward_model_loss": ("return -F.logsigmoid(rejected - chosen).mean()", "sign of the difference flipped"),
    "best_of_n": ("return scores.argmax(dim=0)", "one index per question"),
    "group_advantages": ("return rewards - rewards.mean(dim=1, keepdim=True)", "divide by the group's standard deviation"),
    "dpo_loss": ("return -F.logsigmoid(beta * (policy_chosen - policy_rejected)).mean()",
                 "subtract the reference's log-probabilities"),
    "pairs": ("PAIRS = 10", "give the reward model more of the human's comparisons"),
}


def _cells(notebook) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if "nbgrader" in c.metadata}


def _with_answers(answers: dict[str, str]):
    """The instructor's notebook with some solution cells' code replaced (what precedes the solution kept)."""
    notebook = nbformat.read(SOURCE, as_version=4)
    for grade_id, body in answers.items():
        cell = _cells(notebook)[grade_id]
        cell.source = cell.source.split("### BEGIN SOLUTION")[0] + body  # the marker's line keeps its indent
    return notebook


def _hidden_lines() -> list[str]:
    """Every line of the source that students must never see: solutions, hidden tests and rubrics."""
    lines = []
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            lines += cell.source.splitlines()
        for begin, end in (("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")):
            lines += [x for block in re.findall(f"{begin}(.*?){end}", cell.source, re.S) for x in block.splitlines()]
    return [x.strip() for x in lines if len(x.strip()) > 12]


@pytest.mark.slow
def test_source_validates(course):
    assert "Success" in nbgrader(course, "validate", f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")


@pytest.mark.slow
def test_release_hides_every_solution_hidden_test_and_rubric(course):
    release = (course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    hidden = _hidden_lines()
    assert len(hidden) > 30
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "Rubric"):
        assert marker not in release, marker
    leaked = [line for line in hidden if line in release]
    assert not leaked, leaked


@pytest.mark.slow
def test_the_solutions_get_every_point(course):
    grades = autograde(course, ASSIGNMENT, "teacher", nbformat.read(SOURCE, as_version=4))
    auto = {k: v for k, v in grades.items() if not k.startswith("why_")}
    assert auto and all(score == points for score, points, _ in auto.values()), grades


@pytest.mark.slow
def test_the_untouched_release_gets_nothing(course):
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    grades = autograde(course, ASSIGNMENT, "blank", release)
    assert grades and all(score == 0 for score, _, _ in grades.values()), grades


@pytest.mark.slow
def test_plausible_mistakes_fail_with_a_message_that_names_them(course):
    grades = autograde(course, ASSIGNMENT, "mistaken", _with_answers({k: code for k, (code, _) in WRONG.items()}))
    for grade_id, (_, message) in WRONG.items():
        score, _, said = grades[f"{grade_id}_tests"]
        assert score == 0 and message in said, (grade_id, said)


@pytest.mark.slow
def test_zip_collect_files_each_download_under_its_student(course):
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    (archive / f"ada_{ASSIGNMENT}.ipynb").write_text(SOURCE.read_text())
    nbgrader(course, "zip_collect", ASSIGNMENT)
    assert (course / "submitted" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
