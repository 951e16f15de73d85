"""A full or read-only disk under the lake: no file's fault, so no file fails for it.

The ingest stops (the transaction drops, the lake stays as it was) and says so in one
line; polars and pyarrow word these errors as text ("No space left on device (os error
28)"), so they are recognized by errno or by that text.
"""

from __future__ import annotations

import errno
import os

STORAGE = {
    errno.ENOSPC: "no space left on the device; free some space and run again",
    errno.EDQUOT: "the disk quota is used up; free some space and run again",
    errno.EROFS: "the file system is read-only",
}


def problem(error: BaseException | None) -> str | None:
    """What went wrong with the disk, if that is what `error` (or its cause) is."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in STORAGE:
            return STORAGE[error.errno]
        for number, meaning in STORAGE.items():
            if f"os error {number})" in str(error) or os.strerror(number) in str(error):
                return meaning
        error = error.__cause__ or error.__context__
    return None
