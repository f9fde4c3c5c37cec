"""WRENCH sms with its 73 rules applied as code to every split's texts (``dataset=sms``).

The WRENCH folder's texts, gold labels and record ids are read with the WRENCH helpers (train gold
labels dropped); the label matrices come from ``liger.lfs.sms.SMS_LFS`` applied to the texts, not
from the files. The shipped ``weak_labels`` of valid/test do not belong to their texts
(``../shared/data/README.md``, "sms"); they are kept out of the splits and only exposed, for
checking, as ``extra["shipped_weak_labels"][split]`` ((n, 73) int64 matrices, file order).
``dataset=sms_wrench`` uses the shipped votes as they are.
"""

from __future__ import annotations

from pathlib import Path

from liger.data.dataset import Dataset, Metric, Split
from liger.data.wrench import read_class_names, read_weak_labels, split_records, split_rows
from liger.lfs.apply import apply_lfs
from liger.lfs.sms import SMS_LFS

CLASS_NAMES = ("ham", "spam")  # in class-id order: the rules vote HAM = 0, SPAM = 1


def load_sms(folder: str | Path, *, name: str = "sms", metric: Metric = "f1", progress: bool = True) -> Dataset:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"WRENCH sms folder {folder} does not exist; expected train.json, valid.json, test.json, label.json")
    class_names = read_class_names(folder)
    # A folder with other class ids would silently flip every vote.
    if class_names != CLASS_NAMES:
        raise ValueError(f"{folder / 'label.json'} names classes {list(class_names)}; expected {list(CLASS_NAMES)} (0 ham, 1 spam)")
    splits, shipped = {}, {}
    for split_name, path, records in split_records(folder):
        ids, texts, y = split_rows(split_name, records)
        L = apply_lfs(SMS_LFS, texts, progress=progress, desc=f"sms LFs ({split_name})")
        splits[split_name] = Split(split_name, L, ids=ids, y=y, texts=texts)
        shipped[split_name] = read_weak_labels(path, records)
    return Dataset(
        name=name,
        splits=splits,
        lf_names=tuple(lf.name for lf in SMS_LFS),
        class_names=class_names,
        metric=metric,
        description=f"WRENCH sms texts from {folder}; its 73 rules applied as code (liger.lfs.sms); train gold labels dropped",
        extra={"shipped_weak_labels": shipped},
    )
