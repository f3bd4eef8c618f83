import json

import pytest

from jielong import cache


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c" and (tmp_path / "c").is_dir()


def test_key_is_stable_and_sensitive():
    assert cache.key({"a": 1, "b": 2}) == cache.key({"b": 2, "a": 1})
    assert cache.key({"a": 1}) != cache.key({"a": 2})


def test_json_round_trip_and_corrupt_file(tmp_path):
    path = tmp_path / "x" / "r.json"
    cache.write_json(path, {"v": [1, 2]})
    assert cache.read_json(path) == {"v": [1, 2]}
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    path.write_text("{half a fi")
    assert cache.read_json(path) is None
    assert cache.read_json(tmp_path / "missing.json") is None


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(TypeError):
        cache.write_json(tmp_path / "bad.json", {"v": object()})
    assert list(tmp_path.iterdir()) == []


def test_building_is_all_or_nothing(tmp_path):
    final = tmp_path / "model"
    with pytest.raises(RuntimeError):
        with cache.building(final) as scratch:
            (scratch / "weights").write_text("half")
            raise RuntimeError("interrupted")
    assert not final.exists() and not list(tmp_path.glob("model.partial-*"))
    with cache.building(final) as scratch:
        (scratch / "weights").write_text(json.dumps("full"))
    assert (final / "weights").read_text() == '"full"'
    with cache.building(final) as scratch:
        assert scratch is None


def test_code_version_follows_the_module_and_what_it_imports():
    base = cache.code_version("jielong.base")
    assert base == cache.code_version("jielong.base") and len(base) == 12
    assert cache.code_version("jielong.worlds") != base
    # A module's version covers the library modules it imports, but not the package's own __init__ (which imports
    # the widgets and plots, whose changes cannot alter a number).
    seen = set()
    todo = ["jielong.experiments.reward"]
    import ast
    import importlib.util
    from pathlib import Path
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = Path(importlib.util.find_spec(name).origin).read_text()
        package = name if name.endswith("__init__") else name.rsplit(".", 1)[0]
        todo += [m for m in cache._imported(ast.parse(source), package) if m.startswith("jielong")]
    assert {"jielong.experiments.preferences", "jielong.train", "jielong.worlds", "jielong.feedback"} <= seen
    assert not {"jielong", "jielong.widgets", "jielong.plots"} & seen


def test_code_version_rejects_an_unknown_module():
    with pytest.raises(ValueError, match="module must be a module of jielong"):
        cache.code_version("jielong.no_such_module")
