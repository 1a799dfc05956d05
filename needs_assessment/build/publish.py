"""Move a finished publication into place in one step, so readers never see half of one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def publish(new: Path, target: Path) -> None:
    """Replace `target` with `new`. Both are on the same file system, so the swap is two renames;
    the old publication is removed only after the new one is in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".incoming")
    old = target.with_name(target.name + ".previous")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    # copy onto the same file system as the target first (the build folder may be elsewhere)
    shutil.copytree(new, staged)
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)
