#!/usr/bin/env python3
"""Evaluation sets from the real 国家临床版 -> 医保版 2.0 correspondence.

Input: a directory holding the plain-text lists of CHS-DRG-Grouper
(github.com/qweaszxcdf/CHS-DRG-Grouper, src/data/...): `ICD10YB.dat` and
`ICD9YB.dat` (医保版 2.0, `code name` per line), `ICD10GL.dat` and `ICD9GL.dat`
(国家临床版 names, `code name`), `ICD10GL2YB.dat` and `ICD9GL2YB.dat` (the
correspondence, `<临床版> <医保版>` per line). Any of them may be partial
(a sample of the correspondence and the clinical names that cover it).
When `ICD10YB-灰码.dat` / `ICD9YB-灰码.dat` (the 灰码 list, `code name`) is
there too, the catalogue gets a 灰码 column (是 for a listed code).

Output in OUTDIR, per kind (diagnosis, procedure):
  <kind>.csv              the 医保版 catalogue (诊断代码/手术操作代码 + name)
  his-<kind>-names.csv    what a 病案 system holds, name only; truth 标准编码
  his-<kind>-codes.csv    the same items with the 临床版 code in 医保编码
  crosswalk-<kind>.csv    the correspondence as a 映射表 (临床版代码, 临床版名称,
                          医保版代码, 医保版名称), for `mulu import --kind crosswalk`
Slices in 扰动: wording_same / wording_differs (the 临床版 name against the
医保版 name of the truth, after folding width, case, spaces and punctuation),
code_same / code_differs, code_reused (the 临床版 code is a 医保版 code of
another item).

Usage: python3 scripts/real_icd_set.py SRC OUTDIR [--max N --seed S]
"""
import argparse
import csv
import os
import random
import sys
import unicodedata

KINDS = {
    "diagnosis": ("ICD10", "诊断代码", "诊断名称"),
    "procedure": ("ICD9", "手术操作代码", "手术操作名称"),
}


def read_list(path):
    """code -> name of a `code name` file; lines without both are skipped."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and parts[0] not in out:
                out[parts[0]] = parts[1].strip()
    return out


def read_pairs(path):
    pairs = []
    if not os.path.exists(path):
        return pairs
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                pairs.append((parts[0], parts[1]))
    return pairs


def fold(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(c for c in s if c.isalnum())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--max", type=int, default=0, help="at most N items per kind (0: all)")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for kind, (stem, code_h, name_h) in KINDS.items():
        yb = read_list(os.path.join(a.src, f"{stem}YB.dat"))
        gl = read_list(os.path.join(a.src, f"{stem}GL.dat"))
        pairs = read_pairs(os.path.join(a.src, f"{stem}GL2YB.dat"))
        if not yb or not pairs:
            print(f"{kind}: no 医保版 list or no correspondence in {a.src}", file=sys.stderr)
            continue
        grey = read_list(os.path.join(a.src, f"{stem}YB-灰码.dat"))
        with open(os.path.join(a.out, f"{kind}.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow([code_h, name_h] + (["灰码"] if grey else []))
            for c, n in yb.items():
                w.writerow([c, n] + (["是" if c in grey else ""] if grey else []))
        if grey:
            print(f"{kind}: {sum(c in grey for c in yb)} of {len(grey)} 灰码 in the 医保版 list")
        items, skipped = [], {"no clinical name": 0, "truth not in 医保版 list": 0}
        for clin, target in pairs:
            if clin not in gl:
                skipped["no clinical name"] += 1
                continue
            if target not in yb:
                skipped["truth not in 医保版 list"] += 1
                continue
            items.append((clin, gl[clin], target))
        random.Random(a.seed).shuffle(items)
        if a.max:
            items = items[: a.max]
        items.sort()
        with open(os.path.join(a.out, f"crosswalk-{kind}.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["临床版代码", "临床版名称", "医保版代码", "医保版名称"])
            for clin, name, target in items:
                w.writerow([clin, name, target, yb[target]])
        counts = {}
        for variant in ("names", "codes"):
            path = os.path.join(a.out, f"his-{kind}-{variant}.csv")
            with open(path, "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(["院内编码", "院内名称", "类别", "医保编码", "标准编码", "证号", "扰动"])
                for i, (clin, name, target) in enumerate(items):
                    slips = [
                        "wording_same" if fold(name) == fold(yb[target]) else "wording_differs",
                        "code_same" if clin == target else "code_differs",
                    ]
                    if clin != target and clin in yb:
                        slips.append("code_reused")
                    for s in slips:
                        counts[s] = counts.get(s, 0) + 1
                    code = clin if variant == "codes" else ""
                    w.writerow([
                        f"BA{i + 1:06d}", name, "诊断" if kind == "diagnosis" else "手术",
                        code, target, "医保编码" if code else "无", ";".join(slips),
                    ])
        print(f"{kind}: {len(yb)} 医保版 rows, {len(pairs)} pairs, {len(items)} items "
              f"(skipped {skipped}); slices (x2 files) {counts}")


if __name__ == "__main__":
    main()
