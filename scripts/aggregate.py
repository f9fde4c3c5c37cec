"""Aggregate a sweep: ``python scripts/aggregate.py logs/multiruns/<stamp> [more roots] --out results/<name>``."""

from liger.aggregate import main

if __name__ == "__main__":
    main()
