"""The cycle's build folder `_build/<cycle>/`: the lock that keeps two builds of a cycle apart."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path


@contextlib.contextmanager
def cycle_lock(root: Path, cycle: str, quiet: bool = False):
    """Hold the cycle's build folder: two builds (or a build and `build.py review`) of the same
    cycle would trample each other's files, so the second waits for the first."""
    lock_path = root.resolve() / "_build" / cycle / ".lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not quiet:
                print(f"Another build of {cycle} is running; waiting for it to finish...", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield
