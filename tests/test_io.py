"""Reading tables: CSV columns as numbers."""

from __future__ import annotations

import numpy as np


def test_table_column_reads_missing_as_nan() -> None:
    from neurotoolkit.io import table_column

    column = table_column([{"x": "1.5"}, {"x": ""}, {}], "x")
    assert column[0] == 1.5 and np.isnan(column[1:]).all()
