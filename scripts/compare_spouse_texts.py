"""Which text to embed per spouse candidate, chosen on dev labels only.

For each ``candidate_text`` form (liger/data/spouse.py), MiniLM embeds the candidates and a
class-balanced logistic regression is scored by 5-fold cross-validation within dev, folds grouped by
sentence (candidates of one sentence never sit on both sides), at its decision threshold 0.5 and at
the best of 19 thresholds. Test labels are not read.

    python scripts/compare_spouse_texts.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

from liger.data.spouse import CANDIDATE_TEXTS, load_spouse, spouse_split
from liger.embed import embed_dataset, make_embedder

C_GRID = (0.1, 1.0, 10.0)
THRESHOLDS = np.linspace(0.05, 0.95, 19)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="the data folder holding spouse/")
    parser.add_argument("--cache-dir", default=None, help="embedding cache (default: none)")
    args = parser.parse_args(argv)
    folder = f"{args.data_dir}/spouse"
    _, sentence_groups = np.unique([c.sentence for c in spouse_split(folder)["dev"]], return_inverse=True)
    print("| candidate_text | C | dev CV F1 at 0.5 | at the best threshold |\n|---|---|---|---|")
    for form in CANDIDATE_TEXTS:
        dataset = load_spouse(folder, candidate_text=form, progress=False)
        E, y = embed_dataset(make_embedder("minilm"), dataset, cache_dir=args.cache_dir)["dev"], dataset["dev"].y
        folds = StratifiedGroupKFold(5, shuffle=True, random_state=0)
        for C in C_GRID:
            head = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
            proba = cross_val_predict(head, E, y, cv=folds, groups=sentence_groups, method="predict_proba")[:, 1]
            best = max(f1_score(y, proba > t) for t in THRESHOLDS)
            print(f"| {form} | {C} | {f1_score(y, proba > 0.5):.3f} | {best:.3f} |")


if __name__ == "__main__":
    main()
