"""Where results and trained models are kept, and how they are written safely.

A run that is killed leaves no half-written entry: files are written beside their final name and renamed
into place, and first-use training holds a file lock so that two processes never train the same model.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

CACHE_VERSION = 1


def cache_dir() -> Path:
    """The cache folder: $JIELONG_CACHE, else ~/.cache/jielong."""
    root = os.environ.get("JIELONG_CACHE") or Path.home() / ".cache" / "jielong"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def key(*parts: Any) -> str:
    """A short, stable hash of JSON-serialisable parts."""
    blob = json.dumps([CACHE_VERSION, *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


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
