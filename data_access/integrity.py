"""A snapshot's checksums: the size and SHA-256 of every file it holds.

Written by each commit into ``_manifest/checksums.json`` (itself not listed)::

    {"algorithm": "sha256", "files": {"entry_lines/year=2021/part-….parquet": [size, hex]}}

Lake files never change in place and every file name is unique to the write that made it,
so a file hard-linked from the previous snapshot (same inode) keeps its recorded entry:
a commit hashes only the files it wrote, and a file that rotted since it was recorded keeps
failing its check instead of being recorded anew. SHA-256 because hashlib has it (no new
dependency) and the CPU's SHA extensions make it about 1 GiB/s per core, faster than
blake2b here; `lake_check` and `itrac check` verify the entries.

Neither DuckDB 2.0 nor Polars 2.1 verifies Parquet page CRCs on read (only pyarrow does,
when asked), and Polars cannot write them, so page checksums would guard nothing here.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

ALGORITHM = "sha256"
CHECKSUMS = "_manifest/checksums.json"
Entry = tuple[int, str]  # size in bytes, hex digest


def files_of(root: Path) -> list[str]:
    """Every regular file under `root` (relative, '/'-separated) but the checksums file."""
    out = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            relative = (Path(folder) / name).relative_to(root).as_posix()
            if relative != CHECKSUMS:
                out.append(relative)
    return sorted(out)


def digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, ALGORITHM).hexdigest()


def checksums(root: Path, previous: Path | None) -> bytes:
    """The checksums file for snapshot `root`, reusing `previous`'s entries for the files
    it shares with `root` (the same inode); every other file is hashed."""
    known = read(previous) if previous is not None else None
    entries: dict[str, Entry] = {}
    for relative in files_of(root):
        stat = (root / relative).stat()
        old = (known or {}).get(relative)
        if old is not None and old[0] == stat.st_size and _same_file(previous, root, relative):
            entries[relative] = old
        else:
            entries[relative] = (stat.st_size, digest(root / relative))
    lines = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in entries.items())
    return f'{{"algorithm": "{ALGORITHM}", "files": {{\n{lines}\n}}}}\n'.encode()


def read(root: Path | None) -> dict[str, Entry] | None:
    """The recorded entries of snapshot `root` (None: no readable checksums file)."""
    if root is None:
        return None
    try:
        content = json.loads((root / CHECKSUMS).read_text())
        files = content["files"]
        if content.get("algorithm") != ALGORITHM or not isinstance(files, dict):
            return None
        return {str(k): (int(v[0]), str(v[1])) for k, v in files.items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _same_file(previous: Path | None, root: Path, relative: str) -> bool:
    try:
        return previous is not None and os.path.samefile(previous / relative, root / relative)
    except OSError:
        return False
