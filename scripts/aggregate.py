"""Aggregate a sweep: ``python scripts/aggregate.py logs/multiruns/<stamp> results/<name>``."""

from liger.aggregate import main

if __name__ == "__main__":
    main()
