"""The dataset's files against the data folder's ``SHA256SUMS`` and against versions known to be defective."""

from __future__ import annotations

from pathlib import Path

from liger.audit.result import CheckResult, Flag, Table
from liger.data.files import NOT_DATA, content_sha256, original_name

CHECK = "files"
TITLE = "Files: checksums"
SUMS_FILE = "SHA256SUMS"

#: sha256 of file versions known to be defective, and what is wrong with them (../shared/data/README.md).
KNOWN_DEFECTIVE = {
    "95b1a8fbefbeda9b75b96416814dd46794872809a2295832761b2a0b7bc5de3d":
        "wrench/trec/test.json as found before its repair (2026-12-06): every text begins with its fine TREC label "
        "and keeps its casing, while train and valid are lowercased without it",
}


def read_sums(sums_file: Path) -> dict[str, str]:
    """``{relative path: sha256}`` from a ``sha256sum`` listing (paths as ``./a/b`` or ``a/b``)."""
    sums = {}
    for number, line in enumerate(sums_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise ValueError(f"{sums_file} line {number} is {line!r}; expected '<64 hex digits>  <path>'")
        sums[name.removeprefix("./")] = digest
    return sums


def check_files(path: str | Path | None, data_dir: str | Path | None) -> CheckResult:
    """Hash every data file under ``path`` (a dataset's folder; packaged copies by content); compare with ``data_dir/SHA256SUMS`` when present."""
    if path is None:
        return CheckResult.skip(CHECK, TITLE, "the dataset has no data folder (bundled or generated at load time)")
    path = Path(path)
    files = sorted(p for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file() and p.name not in NOT_DATA)
    sums_file = Path(data_dir) / SUMS_FILE if data_dir else None
    sums = read_sums(sums_file) if sums_file and sums_file.is_file() else None
    root = Path(data_dir).resolve() if data_dir else None
    rows, flags, notes = [], [], []
    for file in files:
        digest = content_sha256(file)  # a packaged copy (.gz) is checked by its content, under its original name
        relative = _relative(file.with_name(original_name(file)), root)
        expected = sums.get(relative) if sums is not None and relative is not None else None
        status = "not listed" if expected is None else ("ok" if expected == digest else "MISMATCH")
        if digest in KNOWN_DEFECTIVE:
            status = "KNOWN DEFECTIVE"
            flags.append(Flag(CHECK, f"{relative or file} is a known defective version (sha256 {digest[:12]}…): "
                              f"{KNOWN_DEFECTIVE[digest]}", {"file": str(relative or file), "sha256": digest}))
        elif status == "MISMATCH":
            flags.append(Flag(CHECK, f"{relative} has sha256 {digest[:12]}…, {SUMS_FILE} lists {expected[:12]}…",
                              {"file": relative, "sha256": digest, "expected": expected}))
        rows.append({"file": relative or str(file), "sha256": digest, "status": status})
    if sums is None:
        notes.append(f"no {SUMS_FILE} in data_dir ({data_dir}): files hashed, not verified")
    elif root is not None:
        folder = _relative(path, root)
        listed = {name for name in sums if folder is not None and (name == folder or name.startswith(folder + "/"))}
        missing = sorted(listed - {r["file"] for r in rows})
        if missing:
            flags.append(Flag(CHECK, f"{len(missing)} file(s) listed in {SUMS_FILE} are missing: {missing[:5]}",
                              {"missing": missing}))
    return CheckResult(CHECK, TITLE, numbers={"files": rows, "sums_file": str(sums_file) if sums else None},
                       flags=flags, notes=notes, tables=[Table("Files under the dataset's folder", ("file", "sha256", "status"), rows)])


def _relative(file: Path, root: Path | None) -> str | None:
    if root is None:
        return None
    try:
        return file.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
