"""The project's inputs as the build counts them: publish.toml and every file under chapters/, translations/,
layouts/ and assets/, with the built-in theme's files the project does not override, each by its digest. The
build decides from them which outputs are up to date; the desk sheet's fit verdict is kept by them."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from handout.core.inherit import LIBRARY_FILE, library_files, library_of, library_theme_roots
from handout.core.sandbox import Sandbox
from handout.core.theme import theme_files

INPUT_FOLDERS = ("chapters", "translations", "layouts", "assets")


def input_digests(root: Path) -> dict[str, str]:
    """Digest of every input: publish.toml and everything under chapters/, layouts/ and assets/.

    A file whose real location is outside the project is not read (the build refuses it and says so); its
    link target is digested instead. So are folders and broken links, so that one named like a chapter makes
    the next build look, and refuse it, instead of calling the outputs up to date.
    """
    sandbox = Sandbox(root)
    digests = {"publish.toml": _digest((root / "publish.toml").read_bytes())}
    for folder in INPUT_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            name = path.relative_to(root).as_posix()
            if any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            if path.is_file() and sandbox.allows(path):
                digests[name] = _digest(path.read_bytes())
            elif path.is_symlink() or not path.is_dir():
                digests[name] = _digest(f"not a file of the project: {os.path.realpath(path)}".encode())
            elif path.suffix:  # a folder named like a file (`05-notes.md/`)
                digests[name] = _digest(b"a folder")
    # A handout in a library: library.toml, its references and its theme files the handout does not override.
    library = library_of(root)
    if library is not None:
        digests["../library.toml"] = _digest((library / LIBRARY_FILE).read_bytes())
        for path in library_files(root):  # references.yaml, the jargon lists
            digests["../" + path.relative_to(library).as_posix()] = _digest(path.read_bytes())
        for folder in library_theme_roots(root):
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not any(p.startswith(".") for p in path.relative_to(library).parts):
                    digests.setdefault(path.relative_to(library).as_posix(), _digest(path.read_bytes()))
    # The built-in theme's files the project does not override (a toolchain update changes them too).
    for name, path in theme_files().items():
        digests.setdefault(name, _digest(path.read_bytes()))
    return digests


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
