"""The nbgrader course as a teacher runs it from the command line: a scratch copy of `classroom/`, and nbgrader's
commands run inside it. The tests and the benchmarks both drive the course through these two functions."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

CLASSROOM = Path(__file__).resolve().parents[1] / "classroom"
ASSIGNMENTS = tuple(sorted(path.name for path in (CLASSROOM / "source").iterdir() if path.is_dir()))


def nbgrader(course: Path, *args: str) -> str:
    """Run one nbgrader command in a course folder; raise with its output if it fails, else return that output."""
    bin_dir = Path(sys.executable).parent  # nbgrader runs `alembic` from the PATH, as an activated environment has it
    proc = subprocess.run([str(bin_dir / "nbgrader"), *args], cwd=course, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}")
    return proc.stdout + proc.stderr


def scratch_course(folder: Path, assignments: tuple[str, ...] = ASSIGNMENTS) -> Path:
    """Copy the course's configuration and sources into `folder` and generate the named assignments' releases."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CLASSROOM / "nbgrader_config.py", folder)
    shutil.copytree(CLASSROOM / "source", folder / "source", dirs_exist_ok=True)
    for assignment in assignments:
        nbgrader(folder, "generate_assignment", assignment, "--force")
    return folder
