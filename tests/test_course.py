"""tools/course.py: a scratch copy of the nbgrader course, and nbgrader's commands run in it."""
import pytest

from conftest import CLASSROOM  # conftest puts tools/ on the path

import course  # noqa: E402


def test_the_course_lists_every_assignment_source():
    assert course.ASSIGNMENTS == ("lecture06", "lecture07", "lecture08")
    assert all((CLASSROOM / "source" / a / f"{a}.ipynb").is_file() for a in course.ASSIGNMENTS)


def test_a_scratch_course_generates_a_release(tmp_path):
    folder = course.scratch_course(tmp_path / "course", ("lecture06",))
    assert (folder / "release" / "lecture06" / "lecture06.ipynb").is_file()
    assert not (folder / "release" / "lecture07").exists()


def test_a_failing_command_raises_with_nbgraders_output(tmp_path):
    folder = course.scratch_course(tmp_path / "course", ())
    with pytest.raises(RuntimeError, match="nbgrader generate_assignment no-such-assignment failed"):
        course.nbgrader(folder, "generate_assignment", "no-such-assignment")
