#!/usr/bin/env python3
"""Optional side-by-side for docs/benchmarks.md: read the corpus drug xlsx with
pandas.read_excel (openpyxl) and print rows and seconds, to compare with the
`xlsx` stage of `mulu bench` (which itself needs no Python).

    pip install pandas openpyxl
    python3 scripts/pandas_xlsx.py /tmp/corpus-full/v1/drug.xlsx
"""
import sys
import time

import pandas

t = time.time()
df = pandas.read_excel(sys.argv[1], header=1, dtype=str)
print(f"{len(df)} rows in {time.time() - t:.2f} s (pandas.read_excel, openpyxl)")
