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
    """environment.yml holds the package's dependencies and book extra exactly, with the Makefile's CPU torch."""
    env, pip = _pins()
    assert "python=3.11" in env["dependencies"]
    torch_pin = next(p for p in pip if p.startswith("torch=="))
    assert torch_pin in (ROOT / "Makefile").read_text()
    assert any("download.pytorch.org/whl/cpu" in p for p in pip)
    assert "--extra-index-url $(TORCH_INDEX)" in (ROOT / "Makefile").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_range = next(d for d in project["dependencies"] if d.startswith("torch"))
    from packaging.specifiers import SpecifierSet

    assert torch_pin.split("==")[1] in SpecifierSet(torch_range.removeprefix("torch"))
    wanted = [d for d in project["dependencies"] + project["optional-dependencies"]["book"] if not d.startswith("torch")]
    listed = [p for p in pip if not p.startswith(("--", "torch=="))]
    assert sorted(listed) == sorted(wanted)


def test_binder_installs_the_package_and_its_models_after_the_cached_environment():
    """No local path in environment.yml (repo2docker could not cache it); postBuild installs the package, then warms."""
    _, pip = _pins()
    assert not [p for p in pip if p.startswith("-e") or p.startswith(".")]
    post_build = (ROOT / "postBuild").read_text()
    assert post_build.startswith("#!/usr/bin/env bash") and (ROOT / "postBuild").stat().st_mode & 0o111
    steps = [line for line in post_build.splitlines() if line and not line.startswith(("#", "set "))]
    assert steps == ["pip install --no-deps -e .", "python -m jielong.warm"]


def test_readme_gives_the_two_commands_and_ci_runs_the_tests():
    readme = (ROOT / "README.md").read_text()
    assert "make book" in readme and "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


@pytest.mark.slow
def test_binder_environment_resolves():
    """pip resolves the environment's packages with the package itself (as postBuild installs it), without installing."""
    _, pip = _pins()
    packages = [*(p for p in pip if not p.startswith("--")), "."]
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                           *packages], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize("notebook", sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("[bl]*/*.ipynb")))
def test_notebooks_are_committed_without_outputs(notebook):
    import json

    nb = json.loads((ROOT / notebook).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(not c.get("outputs") and c.get("execution_count") is None for c in code)


def test_the_publishing_workflow_builds_the_book_with_make_and_deploys_its_html():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    build = workflow["jobs"]["build"]["steps"]
    assert any(step.get("run") == "make book" for step in build)  # the Makefile pins CPU torch from its index
    assert any(step.get("with", {}).get("python-version") == "3.11" for step in build)
    upload = next(step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert any(step.get("uses", "").startswith("actions/deploy-pages") for step in workflow["jobs"]["deploy"]["steps"])
