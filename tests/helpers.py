"""Shared test helpers (not fixtures): running real command-line tools from the test environment."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def tool(name: str) -> str:
    """A console script installed beside this Python (the venv's), else on PATH."""
    candidate = Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    assert found, f"{name} is not installed in the test environment"
    return found


def warcio_check(paths: list[Path]) -> subprocess.CompletedProcess:
    """Run the real `warcio check -v` on the given files."""
    return subprocess.run([tool("warcio"), "check", "-v", *map(str, paths)], capture_output=True, text=True,
                          check=False)
