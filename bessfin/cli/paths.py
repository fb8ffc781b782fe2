"""Output paths checked before any work: the right kind (file or directory), a writable
existing parent, and never one of the command's inputs."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path


class OutputPathError(ValueError):
    """An output path that cannot be used (one line naming the option and the path)."""


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _writable_dir(d: Path, option: str, what: str) -> None:
    if not d.exists():
        raise OutputPathError(f"{option} {what}: directory {d} does not exist")
    if not d.is_dir():
        raise OutputPathError(f"{option} {what}: {d} is not a directory")
    if not os.access(d, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {what}: directory {d} is not writable")


def check_not_input(path: Path, inputs: Iterable[Path], option: str) -> None:
    """Refuse an output that resolves to one of the ``inputs``."""
    for i in inputs:
        if _same(path, Path(i)):
            raise OutputPathError(f"{option}: {path} would overwrite the input {i}")


def output_file(path: Path, option: str, inputs: Iterable[Path] = ()) -> Path:
    """Check a file to be written: not a directory, in an existing writable directory, not
    an input. Returns ``path``."""
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{option} {path}: is a directory; expected a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{option} {path}: file is not writable")
    _writable_dir(path.parent if str(path.parent) else Path("."), option, str(path))
    check_not_input(path, inputs, option)
    return path


def output_dir(path: Path, option: str, files: Iterable[str] = (),
               inputs: Iterable[Path] = ()) -> Path:
    """Check (and create) a directory to write ``files`` into: not an existing file, its
    nearest existing ancestor writable, and none of ``files`` an input. Returns ``path``."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{option} {path}: is a file; expected a directory")
    ancestor = path
    while not ancestor.exists():
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise OutputPathError(f"{option} {path}: {ancestor} is a file, not a directory")
    if ancestor.exists() and not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {path}: directory {ancestor} is not writable")
    inputs = list(inputs)
    for name in files:
        check_not_input(path / name, inputs, option)
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_stem(name: str) -> str:
    """A file-name stem for a deal name: lower-case ``[a-z0-9_]``, plus 8 hex digits of the
    name's SHA-256 whenever that mapping lost information, so two different names never
    share a stem (``"Deal A"`` and ``"deal-a"`` differ; ``"deal_a"`` stays ``deal_a``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:80] or "deal"
    if slug == name:
        return slug
    return f"{slug}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"
