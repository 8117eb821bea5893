"""The pinned Hexo toolchain (scripts/hexo/package.json), installed once and cached.

``hexo_toolchain`` (session) is the cached ``node_modules``. Without Node.js or npm it
fails when CI is set and skips otherwise; an npm install that fails always fails.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.hexo_site import ensure_toolchain


@pytest.fixture(scope="session")
def hexo_toolchain() -> Path:
    missing = [tool for tool in ("node", "npm", "npx") if shutil.which(tool) is None]
    if missing:
        message = f"the Hexo build test needs {', '.join(missing)} on PATH"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: install Node.js and npm)", pytrace=False)
        pytest.skip(message)
    try:
        return ensure_toolchain()
    except subprocess.CalledProcessError as error:
        pytest.fail(f"npm ci failed for scripts/hexo/package.json:\n{error.stderr[-3000:]}", pytrace=False)
    except subprocess.TimeoutExpired:
        pytest.fail("npm ci for scripts/hexo/package.json timed out", pytrace=False)
