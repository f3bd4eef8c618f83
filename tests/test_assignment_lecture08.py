"""The lecture-8 assignment (reward model, best-of-n, GRPO, DPO) through the real nbgrader pipeline."""
import pytest

from conftest import check_assignment_pipeline, nbgrader, source_of

ASSIGNMENT = "lecture08"
# One plausible mistake per write-it-yourself cell, and what the grader must say about it.
WRONG = {
    "reward_model_loss": ("return -F.logsigmoid(rejected - chosen).mean()", "sign of the difference flipped"),
    "best_of_n": ("return scores.argmax(dim=0)", "one index per question"),
    "group_advantages": ("return rewards - rewards.mean(dim=1, keepdim=True)", "divide by the group's standard deviation"),
    "dpo_loss": ("return -F.logsigmoid(beta * (policy_chosen - policy_rejected)).mean()",
                 "subtract the reference's log-probabilities"),
    "pairs": ("PAIRS = 10", "give the reward model more of the human's comparisons"),
}


@pytest.mark.slow
def test_validate_release_and_autograde(course):
    check_assignment_pipeline(course, ASSIGNMENT, WRONG)


@pytest.mark.slow
def test_zip_collect_files_each_download_under_its_student(course):
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    (archive / f"ada_{ASSIGNMENT}.ipynb").write_text(source_of(ASSIGNMENT).read_text())
    nbgrader(course, "zip_collect", ASSIGNMENT)
    assert (course / "submitted" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
