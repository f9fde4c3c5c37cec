"""Build the data shipped inside the package from the reference data folder, checking every file first.

    python scripts/build_packaged_data.py [--source ../shared/data]          # (re)write liger/data/resources
    python scripts/build_packaged_data.py [--source ../shared/data] --check  # compare, write nothing

Every file the source's ``SHA256SUMS`` lists under a shipped dataset folder (``SHIPPED``) is hashed and must
match its line there; it is then gzip-compressed deterministically (level 9, no name, no timestamp) to
``liger/data/resources/<same path>.gz``, and ``liger/data/resources/SHA256SUMS`` lists the uncompressed
hashes (the source's own lines for those files). ``--check`` exits 1 naming every packaged file that is
missing, extra, or not byte-identical to what a build would write. The sources, licences and repairs of
the shipped data are in ``liger/data/resources/README.md`` (written by hand, not by this script).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
from liger.audit.integrity import read_sums  # noqa: E402  (the one SHA256SUMS reader)
from liger.data.files import NOT_SHIPPED  # noqa: E402  (the one list of what stays out)

PACKAGED = PROJECT_ROOT / "liger" / "data" / "resources"
SUMS_FILE = "SHA256SUMS"
#: The source's dataset folders that ship; files listed in ``liger.data.files.NOT_SHIPPED`` are left out
#: (their terms do not allow it; the README there says why and how to get them).
SHIPPED = ("spam", "tennis", "weather", "wrench/sms", "wrench/trec")
#: Files in the packaged folder that the build does not write.
HAND_WRITTEN = frozenset({"README.md"})


def shipped_files(sums: dict[str, str]) -> dict[str, str]:
    """The listed files under the shipped folders, in sorted order."""
    return {name: digest for name, digest in sorted(sums.items())
            if any(name.startswith(f"{folder}/") for folder in SHIPPED)
            and not any(name == kept or name.startswith(f"{kept}/") for kept in NOT_SHIPPED)}


def compress(content: bytes) -> bytes:
    """gzip level 9 without file name or timestamp: the same input always gives the same bytes."""
    return gzip.compress(content, compresslevel=9, mtime=0)


def build(source: Path) -> dict[str, bytes]:
    """{path under the packaged folder: bytes} for every packaged file; raises on any source file that fails its hash."""
    sums_file = source / SUMS_FILE
    if not sums_file.is_file():
        raise FileNotFoundError(f"{sums_file} is missing; expected the source data folder's checksum listing")
    files = shipped_files(read_sums(sums_file))
    missing = [folder for folder in SHIPPED if not any(name.startswith(f"{folder}/") for name in files)]
    if missing:
        raise ValueError(f"{sums_file} lists no file under {missing}; expected every shipped folder {list(SHIPPED)}")
    out, bad = {}, []
    for name, digest in files.items():
        path = source / name
        if not path.is_file():
            bad.append(f"{name}: listed in {SUMS_FILE} but absent")
            continue
        content = path.read_bytes()
        actual = hashlib.sha256(content).hexdigest()
        if actual != digest:
            bad.append(f"{name}: sha256 {actual}, {SUMS_FILE} lists {digest}")
            continue
        out[f"{name}.gz"] = compress(content)
    if bad:
        raise ValueError("source files fail their checksums; nothing written:\n  " + "\n  ".join(bad))
    out[SUMS_FILE] = "".join(f"{digest}  ./{name}\n" for name, digest in files.items()).encode()
    return out


def packaged_now() -> dict[str, bytes]:
    return {p.relative_to(PACKAGED).as_posix(): p.read_bytes() for p in sorted(PACKAGED.rglob("*"))
            if p.is_file() and p.name not in HAND_WRITTEN}


def differences(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    return ([f"missing: {name}" for name in sorted(expected.keys() - actual.keys())]
            + [f"extra: {name}" for name in sorted(actual.keys() - expected.keys())]
            + [f"differs: {name}" for name in sorted(expected.keys() & actual.keys()) if expected[name] != actual[name]])


def write(files: dict[str, bytes]) -> None:
    for name in set(packaged_now()) - set(files):
        (PACKAGED / name).unlink()
    for folder in sorted((p for p in PACKAGED.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()  # a folder the build no longer fills
    for name, content in files.items():
        target = PACKAGED / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(content)
        partial.replace(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=PROJECT_ROOT.parent / "shared" / "data",
                        help="the reference data folder (default: ../shared/data)")
    parser.add_argument("--check", action="store_true", help="compare the packaged copy with a fresh build; write nothing")
    args = parser.parse_args(argv)
    try:
        files = build(args.source)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    size = sum(len(content) for content in files.values())
    if args.check:
        problems = differences(files, packaged_now())
        for problem in problems:
            print(problem)
        print(f"{len(files)} packaged files ({size / 1e6:.2f} MB): " + ("differ from a fresh build" if problems else "identical to a fresh build"))
        return 1 if problems else 0
    write(files)
    print(f"wrote {len(files)} files ({size / 1e6:.2f} MB) under {PACKAGED.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
