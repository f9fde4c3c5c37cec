"""Does fitting one label model per part cost more than one global model? Prints seconds and ratios.

    python scripts/bench_parts.py [--n 1000000] [--lfs 10]

Synthetic binary votes (30% coverage, 75% accuracy), parts assigned at random; the loop over parts
(what Liger does) is compared with one triplet model over all rows, in the same run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from liger.label_models.triplet import TripletLabelModel


def per_part_seconds(L: np.ndarray, parts: np.ndarray, n_parts: int) -> tuple[float, float]:
    start = time.perf_counter()
    models = [TripletLabelModel().fit(L[parts == p]) for p in range(n_parts)]
    fit = time.perf_counter() - start
    start = time.perf_counter()
    proba = np.empty((len(L), 2))
    for p, model in enumerate(models):
        rows = parts == p
        proba[rows] = model.predict_proba(L[rows])
    return fit, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--lfs", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, args.n)
    votes = rng.random((args.n, args.lfs)) < 0.3
    correct = rng.random((args.n, args.lfs)) < 0.75
    L = np.where(votes, np.where(correct, y[:, None], 1 - y[:, None]), -1).astype(np.int64)
    base_fit, base_predict = per_part_seconds(L, np.zeros(args.n, dtype=np.int64), 1)
    print(f"n={args.n:,} x {args.lfs} LFs; one global model: fit {base_fit:.2f} s, predict {base_predict:.2f} s")
    print("| parts | fit (s) | fit / global | predict (s) | predict / global |\n|---|---|---|---|---|")
    for n_parts in (8, 32, 128):
        fit, predict = per_part_seconds(L, rng.integers(0, n_parts, args.n), n_parts)
        print(f"| {n_parts} | {fit:.2f} | {fit / base_fit:.2f} | {predict:.2f} | {predict / base_predict:.2f} |")


if __name__ == "__main__":
    main()
