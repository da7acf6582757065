"""What the last good build wrote (.cache/build.json, a signed store): for each output, the digest of its inputs
and of its bytes, and the printed pages' first words the EPUB's page list is made from."""
from __future__ import annotations

from pathlib import Path

from handout.core.store import CACHE_DIR, SignedStore, file_digest, toolchain_fingerprint


class BuildState:
    """What the last good build wrote: for each output, the digest of its inputs and of its bytes."""

    def __init__(self, root: Path):
        self.store = SignedStore(root, root / CACHE_DIR)
        data = self.store.load("build.json")
        if not isinstance(data, dict) or data.get("toolchain") != toolchain_fingerprint() \
                or not isinstance(data.get("outputs"), dict) or not isinstance(data.get("page_starts"), dict):
            data = {}
        self.data = data
        self.data.setdefault("outputs", {})
        self.data.setdefault("page_starts", {})
        self.data["toolchain"] = toolchain_fingerprint()

    def is_current(self, output: Path, inputs: str) -> bool:
        """True when `output` was made from these inputs and is still the file that build wrote."""
        entry = self.data["outputs"].get(str(output))
        if not isinstance(entry, dict) or entry.get("inputs") != inputs or not output.is_file():
            return False
        stat_ = output.stat()
        if entry.get("size") == stat_.st_size and entry.get("mtime_ns") == stat_.st_mtime_ns:
            return True  # unchanged since written: no need to read it again
        return file_digest(output) == entry.get("sha256")

    def record(self, output: Path, inputs: str) -> None:
        stat_ = output.stat()
        self.data["outputs"][str(output)] = {"inputs": inputs, "sha256": file_digest(output),
                                             "size": stat_.st_size, "mtime_ns": stat_.st_mtime_ns}

    def page_starts(self, inputs: str):
        return self.data["page_starts"].get(inputs)

    def record_page_starts(self, inputs: str, starts) -> None:
        self.data["page_starts"][inputs] = starts

    def save(self) -> None:
        self.store.save("build.json", self.data)
