"""Aggregate a sweep: ``python scripts/aggregate.py logs/multiruns/<stamp> [more roots] --out results/<name>``."""

from liger.harness.tables import main

if __name__ == "__main__":
    main()
