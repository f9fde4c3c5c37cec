"""Reading data files whether they lie as they are (a user's data folder) or gzip-compressed (the copy
shipped in the package, ``<name>.gz``): loaders ask for ``folder/train.json`` and get its text either way.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TextIO

import numpy as np

#: The suffix of a packaged (compressed) copy of a data file.
COMPRESSED = ".gz"


#: What the reference data folder holds that the package does not ship, and why (path under the data
#: folder: reason). ``liger/data/resources/README.md`` says how to get each.
NOT_SHIPPED = {
    "spouse": "the spouse sentences come from the Signal Media One-Million News Articles dataset, released for "
              "research without a licence to redistribute (the articles belong to their publishers)",
    "spam/liger_split/dev_ada_embeddings.npy": "the paper's GPT-3 ada embeddings are published in the paper's "
                                               "repository (HazyResearch/liger), which carries no licence",
    "spam/liger_split/test_ada_embeddings.npy": "the paper's GPT-3 ada embeddings are published in the paper's "
                                                "repository (HazyResearch/liger), which carries no licence",
}


def not_shipped_reason(path: str | Path) -> str | None:
    """Why ``path`` (inside the packaged folder) is not there, when it names data the package does not ship."""
    try:
        relative = Path(path).resolve().relative_to(packaged_data_root().resolve()).as_posix()
    except ValueError:
        return None  # a user's own folder
    for name, reason in NOT_SHIPPED.items():
        if relative == name or relative.startswith(name + "/"):
            return (f"{relative} is not shipped with the package: {reason}. Get it as liger/data/resources/README.md "
                    "says and point data_dir (or LIGER_DATA_DIR, or dataset.path) at your copy")
    return None


def packaged_data_root() -> Path:
    """The data folder shipped inside the package (``../shared/data``'s layout, every file gzip-compressed)."""
    return Path(str(resources.files("liger.data") / "resources"))


def locate(path: str | Path) -> Path:
    """``path`` itself, else its compressed copy ``path.gz``; FileNotFoundError when neither exists."""
    path = Path(path)
    if path.is_file():
        return path
    compressed = path.with_name(path.name + COMPRESSED)
    if compressed.is_file():
        return compressed
    raise FileNotFoundError(f"{path} is missing (nor is there a compressed copy {compressed.name})")


def data_file_exists(path: str | Path) -> bool:
    path = Path(path)
    return path.is_file() or path.with_name(path.name + COMPRESSED).is_file()


def read_bytes(path: str | Path) -> bytes:
    """The file's content, decompressed when it is a packaged copy."""
    found = locate(path)
    return gzip.decompress(found.read_bytes()) if found.name.endswith(COMPRESSED) else found.read_bytes()


def read_text(path: str | Path) -> str:
    return read_bytes(path).decode("utf-8")


def open_text(path: str | Path, *, newline: str | None = None) -> TextIO:
    """A text handle on the (decompressed) file, UTF-8, with ``newline`` as ``open`` takes it."""
    return io.TextIOWrapper(io.BytesIO(read_bytes(path)), encoding="utf-8", newline=newline)


def load_npy(path: str | Path) -> np.ndarray:
    """A plain ``.npy`` array, packaged or not; pickled objects are refused."""
    return np.load(io.BytesIO(read_bytes(path)), allow_pickle=False)


def content_sha256(path: str | Path) -> str:
    """SHA-256 of the file's decompressed content: a packaged copy hashes as the original does."""
    found = locate(path)
    stat = found.stat()
    return _content_sha256(str(found.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=512)
def _content_sha256(path: str, size: int, mtime_ns: int) -> str:
    # size and mtime are part of the key so a changed file is hashed again.
    return hashlib.sha256(read_bytes(path)).hexdigest()


def original_name(path: str | Path) -> str:
    """The name a data file has in the original data folder (a packaged copy without its ``.gz``)."""
    return Path(path).name.removesuffix(COMPRESSED)


def folder_content_sha256(folder: str | Path) -> dict[str, str]:
    """{path relative to ``folder``, as in the original layout: SHA-256 of the content} of every data file under it."""
    folder = Path(folder)
    hashes = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in NOT_DATA:
            hashes[path.relative_to(folder).with_name(original_name(path)).as_posix()] = content_sha256(path)
    return hashes


#: Files of the packaged folder that describe the data rather than hold it.
NOT_DATA = frozenset({"README.md", "SHA256SUMS"})
