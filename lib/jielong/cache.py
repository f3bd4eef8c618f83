"""Where results and trained models are kept, and how they are written safely.

A run that is killed leaves no half-written entry: files are written beside their final name and renamed
into place, and first-use training holds a file lock so that two processes never train the same model.
Every entry is keyed by its arguments and by `code_version` of the module that made it, so that a result
computed by older code is never read.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

CACHE_VERSION = 2  # the layout of the cache itself; the code that fills it is versioned by code_version
PACKAGE = __name__.rsplit(".", 1)[0]


def cache_dir() -> Path:
    """The cache folder: $JIELONG_CACHE, else ~/.cache/jielong."""
    root = os.environ.get("JIELONG_CACHE") or Path.home() / ".cache" / "jielong"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def key(*parts: Any) -> str:
    """A short, stable hash of JSON-serialisable parts and of the CPU kernels torch runs on."""
    blob = json.dumps([CACHE_VERSION, kernels(), *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def kernels() -> str:
    """The CPU kernels torch chose (e.g. "AVX2"): kernels that sum in another order train other weights."""
    import torch  # here, not at the top: the cache's own tests need no torch

    return torch.backends.cpu.get_cpu_capability()


@functools.lru_cache(maxsize=None)
def code_version(module: str) -> str:
    """A hash of the source of `module` (e.g. "jielong.base") and of every jielong module it imports, directly or not.

    A cache entry keyed by it is never read once any code that could have changed its numbers has changed.
    """
    sources, todo = {}, [module]
    while todo:
        name = todo.pop()
        if name in sources:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ValueError(f"module must be a module of {PACKAGE}, got {name!r}")
        source = Path(spec.origin).read_text()
        sources[name] = source
        package = name if spec.submodule_search_locations else name.rsplit(".", 1)[0]
        todo += [m for m in _imported(ast.parse(source), package) if m.split(".")[0] == PACKAGE]
    blob = "\n".join(f"{name}\n{sources[name]}" for name in sorted(sources))
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _imported(tree: ast.Module, package: str) -> list[str]:
    """The modules a parsed source imports, relative imports resolved against `package`."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package if node.level else ""
            stem = ".".join(p for p in (base, node.module or "") if p)
            # `from . import x` imports submodule x, not the package's own code (which may import everything).
            submodules = [f"{stem}.{a.name}" for a in node.names if _is_package(stem) and _exists(f"{stem}.{a.name}")]
            names += submodules + ([stem] if len(submodules) < len(node.names) else [])
    return names


def _exists(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _is_package(name: str) -> bool:
    spec = importlib.util.find_spec(name) if name else None
    return spec is not None and spec.submodule_search_locations is not None


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: to a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_json(path: Path) -> Any | None:
    """The JSON at `path`, or None if it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


@contextlib.contextmanager
def building(final: Path) -> Iterator[Path | None]:
    """Hold the lock for folder `final`; yield a scratch folder to fill, or None if `final` already exists.

    On a clean exit the scratch folder is renamed to `final`; on any error or kill it never becomes `final`.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(final) + ".lock"):
        if final.is_dir():
            yield None
            return
        for stale in final.parent.glob(final.name + ".partial-*"):
            shutil.rmtree(stale, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(dir=final.parent, prefix=final.name + ".partial-"))
        try:
            yield scratch
            os.replace(scratch, final)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
