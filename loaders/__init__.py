"""Loading contract directories (CSV / CSV.gz / Parquet) into the graph store.

Pure steps: :mod:`loaders.read` (files -> tables with line numbers),
:mod:`loaders.mapping` (their column names -> the contract's),
:mod:`loaders.validate` (rules -> valid rows + rejects), :mod:`loaders.rows`
(valid rows -> UNWIND parameter rows). I/O: :mod:`loaders.load`.
"""

from __future__ import annotations

from loaders.load import load_directory, rollback
from loaders.report import LoadReport, TableCounts

__all__ = ["LoadReport", "TableCounts", "load_directory", "rollback"]
