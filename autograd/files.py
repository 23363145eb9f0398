"""Writing files atomically: the one place chainrule writes a file it may be asked to replace.

A temporary file is written in the target's directory, flushed to disk and renamed over the target,
so a reader never sees half a file and a failure leaves the old file (and no stray temporary).
Through a symbolic link the file it names is replaced (the link stays), and a file that exists
keeps its permissions.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, keeping what the user set up around the file.

    A symbolic link is followed: the file it names is replaced and the link stays a link (the
    temporary file is made beside that file, so the final rename stays on one file system). An
    existing file keeps its permission bits (a 0600 file stays private); a new file gets a
    normal file's mode, 0666 less the umask.

    Returns:
        The path as given.

    Raises:
        OSError: the directory is missing or not writable (nothing is left behind).
    """
    target = Path(os.path.realpath(path))
    mode = _existing_mode(target)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask() if mode is None else mode)  # mkstemp makes 0600
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return Path(path)


def _existing_mode(target: Path) -> int | None:
    """The permission bits of the file at ``target``, or None when there is none yet."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return None


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
