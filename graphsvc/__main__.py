"""``python -m graphsvc`` == the ``graphsvc`` command (benchmarks run it as a child this way)."""

from graphsvc.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
