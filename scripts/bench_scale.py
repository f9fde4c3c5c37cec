"""Scale benchmark: ``python scripts/bench_scale.py [--sizes 10000 100000 1000000] [--output results/bench.md]``.

See ``liger.bench`` for what is measured and how; ``liger-bench`` is the same command.
"""

from liger.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
