#!/usr/bin/env python3
"""An evaluation set of names typed with the wrong homophones, derived from a
labelled hospital dictionary (`hisgen` output or the corpus's
`hospital/<kind>.labelled.csv`), for `mulu eval` (docs/benchmarks.md,
session 14). Needs `pypinyin` (pip install pypinyin): its readings are
another project's data than the `pinyin` crate mulu matches with.

    python3 scripts/homophone_set.py his-drug.csv OUTDIR [--seed 7] [--chars 2]
        -> OUTDIR/clean.csv: items whose name has at least four CJK
           characters, every key column blanked (the control);
           OUTDIR/homophone.csv: the same items with --chars characters of
           the name replaced by another common character (GB2312 level 1)
           of the same toneless reading, as a pinyin input method offers.

Only items with a counterpart (a 标准编码) are kept.
"""
import argparse
import csv
import os
import random

from pypinyin import Style, lazy_pinyin

KEYS = ["批准文号", "本位码", "注册证号", "医保编码", "价格项目编码"]


def is_cjk(c):
    return "\u4e00" <= c <= "\u9fff"


def level1():
    """The 3,755 common characters of GB2312 level 1."""
    out = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def reading(c):
    return lazy_pinyin(c, style=Style.NORMAL)[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("src")
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--chars", type=int, default=2)
    a = p.parse_args()
    random.seed(a.seed)
    by_sound = {}
    for c in level1():
        by_sound.setdefault(reading(c), []).append(c)
    with open(a.src, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.get("标准编码")]
    header = list(rows[0].keys())
    clean, homo = [], []
    for r in rows:
        r = dict(r)
        for k in KEYS:
            if k in r:
                r[k] = ""
        name = r["院内名称"]
        spots = [i for i, c in enumerate(name) if is_cjk(c)
                 and len(by_sound.get(reading(c), [])) > 1]
        if sum(is_cjk(c) for c in name) < 4 or len(spots) < a.chars:
            continue
        chars = list(name)
        for i in random.sample(spots, a.chars):
            others = [x for x in by_sound[reading(chars[i])] if x != chars[i]]
            chars[i] = random.choice(others)
        clean.append(r)
        h = dict(r)
        h["院内名称"] = "".join(chars)
        if "扰动" in h:
            h["扰动"] = ";".join(x for x in [h["扰动"], "homophones"] if x)
        homo.append(h)
    os.makedirs(a.out, exist_ok=True)
    for fname, rs in (("clean.csv", clean), ("homophone.csv", homo)):
        with open(os.path.join(a.out, fname), "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=header)
            w.writeheader()
            w.writerows(rs)
    print(f"{len(homo)} items -> {a.out}/clean.csv, {a.out}/homophone.csv")


if __name__ == "__main__":
    main()
