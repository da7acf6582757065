"""Which files a build may read: inside the project (after symlinks), the bundled font, and data: URLs."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import SandboxError
from .fonts import FONT_DIR


class Sandbox:
    def __init__(self, root: Path, extra: tuple[Path, ...] = (FONT_DIR,)):
        self.roots = (root.resolve(), *(p.resolve() for p in extra))

    def allows(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(root) for root in self.roots)

    def file_for_url(self, url: str) -> Path:
        """The local file a `file:` URL names, if the sandbox allows it; raises SandboxError otherwise."""
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise SandboxError(f"refused to fetch '{url}': only files inside the project and data: URLs are allowed",
                               url=url)
        path = Path(unquote(parts.path))
        if not self.allows(path):
            raise SandboxError(f"refused to read '{path}': it is outside the project", url=url)
        if not path.is_file():
            raise SandboxError(f"file not found: '{path}'", url=url)
        return path
