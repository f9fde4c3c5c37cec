"""What a run was made from: the code version and the SHA-256 of every data file its dataset reads."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import liger
from liger.data.files import content_sha256, folder_content_sha256, original_name

#: The checkout this package runs from (a git work tree for an editable install).
CHECKOUT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=1)
def code_version() -> str:
    """The git commit of the checkout (``+dirty`` when tracked files differ from it), else the package version."""
    if (CHECKOUT / ".git").exists():
        try:
            commit = subprocess.run(["git", "-C", str(CHECKOUT), "rev-parse", "HEAD"], capture_output=True, text=True,
                                    timeout=10, check=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(CHECKOUT), "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True, timeout=10, check=True).stdout.strip()
            return commit + ("+dirty" if dirty else "")
        except (OSError, subprocess.SubprocessError):
            pass  # no git on this machine: the package version says what it can
    return f"liger-harness {liger.__version__}"


def data_folder(params: dict[str, Any]) -> Path | None:
    """The folder a dataset config reads: its ``path``, the spam comments (packaged unless given), or None (rendered, no files)."""
    if params.get("loader") == "spam":
        from liger.data.spam import packaged_csv_dir

        return packaged_csv_dir()
    path = params.get("path")
    return None if not path else Path(path)


def provenance(params: dict[str, Any]) -> dict:
    """{"code_version", "data_folder", "data_files": {file: SHA-256}} for a run of the dataset config ``params``."""
    folder = data_folder(params)
    if folder is None:
        files = {}
    else:
        # Hashed by content under the original names: the packaged copy and a user's folder of the same
        # files record the same data_files.
        files = folder_content_sha256(folder) if folder.is_dir() else {original_name(folder): content_sha256(folder)}
    return {"code_version": code_version(), "data_folder": None if folder is None else str(folder), "data_files": files}
