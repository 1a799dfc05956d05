"""Move a finished publication into place in one step, so readers never see half of one.

Whatever fails on the way (a full disk, a read-only or someone else's folder), the published folder
is either the old publication or the new one, never a mixture, and nothing half-copied is left
beside it: the copy is made under a temporary name next to the published folder, outside it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def publish(new: Path, target: Path) -> None:
    """Replace `target` with `new`. The copy is made on the target's file system first (the build
    folder may be elsewhere), so the swap is two renames; the old publication is removed only after
    the new one is in place, and put back if the new one cannot be."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".incoming")
    old = target.with_name(target.name + ".previous")
    if old.exists() and not target.exists():
        os.replace(old, target)     # a build killed between the two renames: the old one is still good
    shutil.rmtree(staged, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    try:
        shutil.copytree(new, staged)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    moved_old = False
    try:
        if target.exists():
            os.replace(target, old)
            moved_old = True
        os.replace(staged, target)
    except BaseException:
        if moved_old and not target.exists():
            os.replace(old, target)
        shutil.rmtree(staged, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
