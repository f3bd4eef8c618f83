"""The launch environments stay in sync with the package: Binder's environment.yml, the Makefile, the README."""
import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from conftest import ROOT


def _pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return env, pip


def test_environment_matches_the_package_and_the_makefile():
    env, pip = _pins()
    assert "python=3.11" in env["dependencies"]
    torch_pin = next(p for p in pip if p.startswith("torch=="))
    assert torch_pin in (ROOT / "Makefile").read_text()
    assert "-e .[book]" in pip and any("download.pytorch.org/whl/cpu" in p for p in pip)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_range = next(d for d in project["dependencies"] if d.startswith("torch"))
    from packaging.specifiers import SpecifierSet

    assert torch_pin.split("==")[1] in SpecifierSet(torch_range.removeprefix("torch"))


def test_readme_gives_the_two_commands_and_ci_runs_the_tests():
    readme = (ROOT / "README.md").read_text()
    assert "make book" in readme and "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_colab_cell_installs_the_package_only_on_colab():
    import json

    nb = json.loads((ROOT / "book" / "stage1_pretraining.ipynb").read_text())
    first = "".join(nb["cells"][1]["source"] if nb["cells"][0]["cell_type"] == "markdown" else nb["cells"][0]["source"])
    assert 'if "google.colab" in sys.modules' in first


@pytest.mark.slow
def test_binder_environment_resolves():
    """pip resolves the environment's packages (the package's extras and pinned torch) without installing them."""
    _, pip = _pins()
    packages = [p.replace("-e ", "") for p in pip if not p.startswith("--")]
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                           *packages], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize("notebook", sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("[bl]*/*.ipynb")))
def test_notebooks_are_committed_without_outputs(notebook):
    import json

    nb = json.loads((ROOT / notebook).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(not c.get("outputs") and c.get("execution_count") is None for c in code)
