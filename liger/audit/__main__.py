"""``python -m liger.audit dataset=<name>|all [audit.embeddings=true] [data_dir=...]``."""

from liger.audit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
