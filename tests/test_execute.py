"""tools/execute.py: the book's notebooks executed two at a time into Jupyter Book's execution cache."""
import nbformat
import pytest

from conftest import ROOT  # conftest puts tools/ on the path

import execute  # noqa: E402


def test_the_book_notebooks_are_the_tocs_in_order():
    names = [p.relative_to(ROOT).as_posix() for p in execute.book_notebooks()]
    assert names[0] == "book/stage0_background.ipynb" and names[-1] == "lectures/lecture08.ipynb"
    on_disk = sorted(p.relative_to(ROOT).as_posix() for d in ("book", "lectures") for p in (ROOT / d).glob("*.ipynb"))
    assert sorted(names) == on_disk and len(names) == 18


def test_workers_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="workers must be an integer from 1"):
        execute.execute(tmp_path / "cache", [], workers=0)


@pytest.mark.parametrize("models, message", [
    ([["the largest model"]], "got ['the largest model']"),
    (["base model (every chapter)"], "got a bare name"),
    ("base model (every chapter)", "got a bare name"),
])
def test_models_must_be_chains_of_known_names_before_any_work(tmp_path, models, message):
    with pytest.raises(ValueError, match=r"models must be chains \(sequences\) of names in jielong.warm.MODELS") as err:
        execute.execute(tmp_path / "cache", [], models=models)
    assert message in str(err.value)
    assert not (tmp_path / "cache").exists()


def test_unreadable_measurements_leave_the_tocs_order(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "odd.json").write_text('{"chapters": {"a": {"seconds": "slow"}, "b": {"seconds": 3.0}, "c": 1}}')
    assert execute.measured_seconds(tmp_path / "broken.json") == {}
    assert execute.measured_seconds(tmp_path / "missing.json") == {}
    assert execute.measured_seconds(tmp_path / "odd.json") == {"b": 3.0}


def test_the_longest_notebooks_start_first_and_unmeasured_ones_last():
    paths = [ROOT / "book" / "a.ipynb", ROOT / "book" / "b.ipynb", ROOT / "lectures" / "c.ipynb",
             ROOT / "book" / "d.ipynb"]
    order = execute.longest_first(paths, {"a": 10.0, "b": 300.0, "lectures/c": 20.0})
    assert [p.stem for p in order] == ["b", "c", "a", "d"]


def test_the_measured_seconds_name_the_book_notebooks():
    seconds = execute.measured_seconds()
    names = {execute.bench_name(p) for p in execute.book_notebooks()}
    assert set(seconds) <= names and len(seconds) >= 12, set(seconds) - names


@pytest.mark.slow
def test_the_books_models_are_trained_before_any_chapter_with_a_line_each(tmp_path, capfd):
    """Through `execute`, as `make book` runs it: each chain's line comes before the chapter's, and each model's."""
    import jielong.warm

    book = tmp_path / "book"
    book.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('after the models')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, book / "chapter.ipynb")
    assert set(execute.execute(tmp_path / "cache", [book / "chapter.ipynb"],
                               models=jielong.warm.BOOK_CHAINS).values()) == {"executed"}
    captured = capfd.readouterr()
    lines = [line.split()[0] for line in captured.err.splitlines() if line.strip()]
    assert lines.count("models") == len(jielong.warm.BOOK_CHAINS) and lines.index("models") < lines.index("executed")
    for name in (n for chain in jielong.warm.BOOK_CHAINS for n in chain):
        assert f"{name}: " in captured.out, captured.out


@pytest.mark.parametrize("first, tries", [(2, 2), (1, 1), (0, 1)])
def test_only_a_kernel_that_failed_to_start_is_given_one_more_try(monkeypatch, first, tries):
    """jupyter-cache's worker returns 1 for a notebook's own error and 2 when its kernel failed (two kernels starting
    at once can be handed the same port): only the second is tried again."""
    from jupyter_cache.executors import basic

    outcomes, calls = iter([(first, "nb"), (0, "nb")]), []

    class Worker:
        def __call__(self, data):
            calls.append(data)
            return next(outcomes)

    monkeypatch.setattr(basic, "ExecutionWorkerLocalMProc", Worker)
    (code, _), _ = execute._timed("data")
    assert len(calls) == tries and code == (0 if first == 2 else first)


def test_notebooks_run_in_parallel_with_one_thread_each_and_are_found_in_the_cache(tmp_path, capsys):
    notebooks = []
    for name in ("a", "b", "c"):
        nb = nbformat.v4.new_notebook()
        # Each notebook its own code: jupyter-cache keys a notebook by its code, and two identical notebooks finishing
        # at once race to write the same entry (a FileExistsError in jupyter-cache, seen once in a fresh clone's run).
        nb.cells = [nbformat.v4.new_code_cell(f"# notebook {name}\nimport os\nprint(os.environ['OMP_NUM_THREADS'])")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
        notebooks.append(tmp_path / f"{name}.ipynb")
    failing = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    failing.metadata["kernelspec"] = nb.metadata["kernelspec"]
    nbformat.write(failing, tmp_path / "failing.ipynb")
    cache = tmp_path / "cache"
    first = execute.execute(cache, [*notebooks, tmp_path / "failing.ipynb"])
    assert [first[str(p)] for p in notebooks] == ["executed"] * 3, first
    assert first[str(tmp_path / "failing.ipynb")] == "failed", first
    reported = capsys.readouterr().err.splitlines()  # one line as each notebook finishes, with its seconds
    assert sorted(line.split()[0] for line in reported) == ["executed"] * 3 + ["failed"], reported
    assert all(line.split()[2] == "s" and line.endswith(".ipynb") for line in reported), reported
    assert set(execute.execute(cache, notebooks).values()) == {"cached"}
    from jupyter_cache import get_cache

    record = get_cache(str(cache)).match_cache_notebook(nbformat.read(notebooks[0], as_version=4))
    outputs = get_cache(str(cache)).get_cache_bundle(record.pk).nb.cells[0].outputs
    assert outputs[0]["text"].strip() == "1"
