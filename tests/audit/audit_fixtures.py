"""Hand-written miniature datasets reproducing the two defects the outside review found, and their clean versions.

trec-like: four coarse classes, questions from one template per FINE label (dist, city, ind, manner).
As found, every test text began with its fine label and kept its original casing, while train and dev
were lowercased without it; the LF votes were those of the unprefixed texts.

sms-like: binary, keyword LFs. As found, the test votes belonged to other texts (here: the test
texts' own votes shifted by one row), so a keyword LF's test firings mostly lack its keyword.
"""

from __future__ import annotations

import numpy as np

from liger.data.dataset import Dataset, Split
from liger.labels import ABSTAIN

TREC_CLASSES = ("DESC", "HUM", "LOC", "NUM")
# fine label: (coarse class, template in the original casing, one filler per row, each used once).
TREC_QUESTIONS = {
    "dist": ("NUM", "How far is it from Denver to {} ?", [
        "Aspen", "Boulder", "Vail", "Pueblo", "Durango", "Telluride", "Greeley", "Golden", "Loveland", "Salida",
        "Gunnison", "Montrose", "Lamar", "Trinidad", "Craig", "Delta", "Fruita", "Cortez", "Alamosa", "Limon", "Ouray"]),
    "city": ("LOC", "What city is the {} in ?", [
        "Louvre", "Colosseum", "Alhambra", "Parthenon", "Kremlin", "Prado", "Acropolis", "Hermitage", "Uffizi",
        "Rijksmuseum", "Reichstag", "Duomo", "Pantheon", "Belvedere", "Atomium", "Bozar", "Vatican", "Escorial",
        "Sagrada", "Albertina", "Zwinger"]),
    "ind": ("HUM", "Who invented the {} ?", [
        "telephone", "lightbulb", "telescope", "microscope", "phonograph", "typewriter", "stethoscope", "barometer",
        "thermometer", "parachute", "helicopter", "dynamite", "radio", "television", "zipper", "elevator",
        "sextant", "harmonica", "bicycle", "camera", "compass"]),
    "manner": ("DESC", "How do you make {} ?", [
        "bread", "cheese", "yogurt", "butter", "pasta", "sushi", "kimchi", "tofu", "pickles", "jam", "cider",
        "vinegar", "mustard", "ketchup", "mayonnaise", "granola", "hummus", "pesto", "salsa", "tortillas", "pretzels"]),
}
# Rows per fine label in each split (test is the defective one, so it needs the most support).
TREC_ROWS = {"train": 10, "dev": 5, "test": 6}
# Keyword LFs over the lowercased text: (keyword, class). "how" is noisy on purpose (NUM and DESC questions).
TREC_LFS = (("far", "NUM"), ("city", "LOC"), ("who", "HUM"), ("make", "DESC"), ("how", "DESC"))


def keyword_votes(texts, lfs, class_names) -> np.ndarray:
    """(n, m) votes of keyword LFs applied to ``texts`` as code (token match on the casefolded text)."""
    L = np.full((len(texts), len(lfs)), ABSTAIN, dtype=np.int64)
    for i, text in enumerate(texts):
        words = text.casefold().split()
        for j, (keyword, label) in enumerate(lfs):
            if keyword in words:
                L[i, j] = class_names.index(label)
    return L


def trec_rows(split: str) -> list[tuple[str, str, str]]:
    """(fine label, coarse class, original-cased text) rows of ``split``, classes interleaved."""
    start = {"train": 0, "dev": TREC_ROWS["train"], "test": TREC_ROWS["train"] + TREC_ROWS["dev"]}[split]
    rows = []
    for k in range(start, start + TREC_ROWS[split]):
        for fine, (coarse, template, fillers) in TREC_QUESTIONS.items():
            rows.append((fine, coarse, template.format(fillers[k])))
    return rows


def make_trec(*, prefixed: tuple[str, ...] = (), cased: tuple[str, ...] = ()) -> Dataset:
    """Splits in ``prefixed`` start each text with its fine label; splits in ``cased`` keep the original
    casing (the rest are lowercased). As found: both on test only. Votes are always the clean texts'."""
    splits = {}
    for name in ("train", "dev", "test"):
        rows = trec_rows(name)
        clean = tuple(text.lower() for _, _, text in rows)
        texts = tuple(text if name in cased else text.lower() for _, _, text in rows)
        if name in prefixed:
            texts = tuple(f"{fine} {text}" for (fine, _, _), text in zip(rows, texts))
        y = np.array([TREC_CLASSES.index(coarse) for _, coarse, _ in rows])
        splits[name] = Split(name, keyword_votes(clean, TREC_LFS, TREC_CLASSES), ids=tuple(f"{name}:{i}" for i in range(len(rows))),
                             y=None if name == "train" else y, texts=texts)
    return Dataset("trec_fixture", splits, tuple(f"lf_{k}" for k, _ in TREC_LFS), TREC_CLASSES, "accuracy")


SMS_CLASSES = ("ham", "spam")
SMS_TEMPLATES = (
    ("spam", "free entry to win a {} call now"),
    ("ham", "love you see you at the {}"),
    ("spam", "claim your prize {} today txt back"),
    ("ham", "going home after the {} ok"),
    ("ham", "ok see you at the {} later"),
)
SMS_FILLERS = [
    "park", "mall", "gym", "station", "office", "library", "beach", "cinema", "market", "harbour", "museum", "stadium",
    "bakery", "garage", "school", "church", "airport", "castle", "bridge", "garden", "theatre", "pool", "zoo", "farm",
    "lake", "river", "tower", "square", "clinic", "hotel", "cafe", "pub", "studio", "arena", "campus", "port",
]
SMS_ROWS = {"train": 20, "dev": 6, "test": 10}
SMS_LFS = (("free", "spam"), ("prize", "spam"), ("love", "ham"), ("home", "ham"))


def make_sms(*, shifted_test_votes: bool) -> Dataset:
    splits, start = {}, 0
    for name in ("train", "dev", "test"):
        texts, labels = [], []
        for k in range(start, start + SMS_ROWS[name]):
            # Two templates per filler: each split sees every template, no text repeats.
            for label, template in (SMS_TEMPLATES[k % 5], SMS_TEMPLATES[(k + 2) % 5]):
                texts.append(template.format(SMS_FILLERS[k]))
                labels.append(SMS_CLASSES.index(label))
        start += SMS_ROWS[name]
        L = keyword_votes(texts, SMS_LFS, SMS_CLASSES)
        if shifted_test_votes and name == "test":
            L = np.roll(L, 1, axis=0)  # each row gets the votes of the row before it: votes of other texts
        splits[name] = Split(name, L, ids=tuple(f"{name}:{i}" for i in range(len(texts))),
                             y=None if name == "train" else np.array(labels), texts=tuple(texts))
    return Dataset("sms_fixture", splits, tuple(f"lf_{k}" for k, _ in SMS_LFS),
                   SMS_CLASSES, "f1")
