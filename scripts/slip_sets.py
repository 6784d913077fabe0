#!/usr/bin/env python3
"""Evaluation sets of typing slips and unknown trade names, derived from a
labelled hospital dictionary (`hisgen` output or the corpus's
`hospital/<kind>.labelled.csv`), for `mulu eval` (docs/benchmarks.md,
session 12). Standard library only.

    python3 scripts/slip_sets.py slips  his-drug.csv OUTDIR [--seed 3]
        -> OUTDIR/clean.csv, sub.csv, del.csv: every key column blanked; in
           sub/del one CJK character of the name (never the first) replaced
           by a random one from the other names, or deleted; clean keeps the
           name (the control).
    python3 scripts/slip_sets.py trade  his-drug.csv OUT.csv [--seed 11]
        -> items with no bracket in the name, keys blanked, a random 2-3
           character trade name put before the name as written, the generic
           name in brackets: `康泰（小儿生血糖浆）每瓶装150ml`.

Only items with a counterpart (a 标准编码) are kept.
"""
import argparse
import csv
import os
import random
import re

# 证号 only says which key a row had; the trade sets blank it too.
KEYS = ["批准文号", "本位码", "注册证号", "医保编码", "价格项目编码"]
TRADE_SYLLABLES = "康泰宁安舒欣达力普信诺维嘉恒瑞华"


def is_cjk(c):
    return "\u4e00" <= c <= "\u9fff"


def read(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0].keys()) if rows else []
    return header, [r for r in rows if r.get("标准编码")]


def write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def blank_keys(r, extra=()):
    r = dict(r)
    for k in KEYS + list(extra):
        if k in r:
            r[k] = ""
    return r


def slips(src, out, seed, limit):
    random.seed(seed)
    header, rows = read(src)
    chars = [c for r in rows for c in r["院内名称"] if is_cjk(c)]
    sets = {"clean": [], "sub": [], "del": []}
    for r in rows[:limit]:
        r = blank_keys(r)
        if "扰动" in r:
            r["扰动"] = ""
        name = r["院内名称"]
        at = [i for i, c in enumerate(name) if is_cjk(c)]
        if len(at) < 4:
            continue
        sets["clean"].append(dict(r))
        i = random.choice(at[1:])
        s = dict(r)
        s["院内名称"] = name[:i] + random.choice(chars) + name[i + 1:]
        sets["sub"].append(s)
        d = dict(r)
        d["院内名称"] = name[:i] + name[i + 1:]
        sets["del"].append(d)
    os.makedirs(out, exist_ok=True)
    for k, v in sets.items():
        write(os.path.join(out, f"{k}.csv"), header, v)
    print(f"{len(sets['clean'])} items in each of clean, sub, del under {out}")


def trade(src, out, seed):
    random.seed(seed)
    header, rows = read(src)
    kept = []
    for r in rows:
        r = dict(r)
        name = r["院内名称"]
        if "(" in name or "（" in name:
            continue
        generic = re.split(r"[\s0-9【\[]", name, maxsplit=1)[0]
        if len(generic) < 3:
            continue
        r = blank_keys(r, ["证号"])
        t = "".join(random.choice(TRADE_SYLLABLES) for _ in range(random.choice([2, 2, 3])))
        r["院内名称"] = f"{t}（{generic}）" + name[len(generic):]
        if "扰动" in r:
            r["扰动"] = "trade_name_unknown"
        kept.append(r)
    write(out, header, kept)
    print(f"{len(kept)} items in {out}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=["slips", "trade"])
    p.add_argument("src")
    p.add_argument("out")
    p.add_argument("--seed", type=int)
    p.add_argument("--limit", type=int, default=600, help="slips: first N items read")
    a = p.parse_args()
    if a.what == "slips":
        slips(a.src, a.out, 3 if a.seed is None else a.seed, a.limit)
    else:
        trade(a.src, a.out, 11 if a.seed is None else a.seed)


if __name__ == "__main__":
    main()
