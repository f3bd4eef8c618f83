"""tools/profile_book.py: the cold book's compute, by experiment and model, without changing the library."""
import os

import nbformat
import pytest

import profile_book  # conftest puts tools/ on the path


def test_a_run_nested_in_another_is_subtracted_from_it_once():
    runs = [{"kind": "experiment", "name": "outer", "pid": 1, "start": 0.0, "end": 10.0},
            {"kind": "model", "name": "base", "pid": 1, "start": 1.0, "end": 7.0},
            {"kind": "model", "name": "tokenizer", "pid": 1, "start": 2.0, "end": 3.0},  # inside the base model
            {"kind": "experiment", "name": "elsewhere", "pid": 2, "start": 0.0, "end": 4.0}]  # another kernel
    seconds = {r["name"]: r["seconds"] for r in profile_book.exclusive(runs)}
    assert seconds == {"outer": 4.0, "base": 5.0, "tokenizer": 1.0, "elsewhere": 4.0}
    report = profile_book.table(runs, wall=10.0, workers=2)
    assert report.index("`base`") < report.index("`outer`") and "14 s of compute" in report


def test_a_notebook_is_profiled_from_empty_caches(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import jielong as jl\n"
        "jl.base.tokenizer_for(jl.base.BaseSpec().world)\n"
        "jl.experiments.learning_rate_run(lr=0.003, steps=20, seed=0)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "one.ipynb")
    keys = ("PYTHONPATH", "JIELONG_CACHE", "JIELONG_PROFILE")
    before = {k: os.environ.get(k) for k in keys}
    runs = profile_book.profile([tmp_path / "one.ipynb"], workers=1)
    assert {k: os.environ.get(k) for k in keys} == before  # the caller's environment is restored
    assert {(r["kind"], r["name"]) for r in runs} == {("model", "world"), ("experiment", "learning_rate_run")}
    assert all(r["end"] >= r["start"] for r in runs)


def test_a_failing_notebook_is_reported_not_timed(monkeypatch):
    monkeypatch.setattr(profile_book.execute, "execute", lambda *args, **kwargs: {"a.ipynb": "executed",
                                                                                  "b.ipynb": "failed"})
    with pytest.raises(RuntimeError, match=r"notebooks failed.*b\.ipynb"):
        profile_book.profile(workers=1)
