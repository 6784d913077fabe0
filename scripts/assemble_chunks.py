#!/usr/bin/env python3
"""Join chunks of the CHS-DRG-Grouper lists, read through the search tool's
`read_file` (16,000 characters each), into the files `real_icd_set.py` reads.

The chunks are PARTS/<NAME>.<kkk>, chunk k starting at offset 16000*k:

  YB    src/data/icd-datasets/insurance/yb-2.0/raw/ICD10YB.dat        (639,560 chars)
  GREY  src/data/icd-datasets/insurance/yb-2.0/raw/ICD10YB-灰码.dat   (59,585)
  XW    src/data/crosswalks/gl-2022__yb-2.0/raw/ICD10GL2YB.explicit.dat (688,267)
  GL    src/data/icd-datasets/clinical/gl-3.0/raw/ICD10GL.dat         (688,232)
  YB9   src/data/icd-datasets/insurance/yb-2.0/raw/ICD9YB.dat         (272,181)
  GREY9 src/data/icd-datasets/insurance/yb-2.0/raw/ICD9YB-灰码.dat    (44,449)
  XW9   src/data/crosswalks/gl-3.0__yb-2.0/raw/ICD9GL2YB.explicit.dat (256,415)
  GL9   src/data/icd-datasets/clinical/gl-3.0/raw/ICD9GL.dat          (270,503)

(commit 0fb16d4a… for YB, GREY, XW, YB9 and GREY9, 6a83a031… for GL, XW9 and
GL9). The procedure lists (…9) are optional: left out when none of their
chunks is there. YB and GREY (YB9, GREY9) must be
whole: their chunks are concatenated. XW and GL may be any sample of chunks:
each chunk's first and last lines (cut at the chunk's edge) are dropped unless
the neighbouring chunk is there too. In GL, `†` is read as `+` and `\\[` `\\]`
as `[` `]`.

Usage: python3 scripts/assemble_chunks.py PARTS SRC [--only K,K,...]
  --only   use these XW/GL chunks only (e.g. the held-out sample)
"""
import argparse
import glob
import os
import re
import sys

WHOLE = {
    "YB": ("ICD10YB.dat", 639_560),
    "GREY": ("ICD10YB-灰码.dat", 59_585),
    "YB9": ("ICD9YB.dat", 272_181),
    "GREY9": ("ICD9YB-灰码.dat", 44_449),
}
SAMPLED = {"XW": "ICD10GL2YB.dat", "GL": "ICD10GL.dat", "XW9": "ICD9GL2YB.dat", "GL9": "ICD9GL.dat"}
OPTIONAL = {"YB9", "GREY9", "XW9", "GL9"}


def chunks(parts, name):
    out = {}
    for p in glob.glob(os.path.join(parts, f"{name}.*")):
        m = re.fullmatch(r"\d{3}", p.rsplit(".", 1)[1])
        if m:
            with open(p, encoding="utf-8") as f:
                out[int(p.rsplit(".", 1)[1])] = f.read()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("parts")
    ap.add_argument("src")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    only = {int(k) for k in a.only.split(",") if k}
    os.makedirs(a.src, exist_ok=True)
    for name, (out, total) in WHOLE.items():
        cs = chunks(a.parts, name)
        if not cs and name in OPTIONAL:
            continue
        text = "".join(cs[k] for k in sorted(cs))
        if sorted(cs) != list(range(len(cs))) or len(text) != total:
            sys.exit(f"{name}: chunks {sorted(cs)} give {len(text)} of {total} characters")
        with open(os.path.join(a.src, out), "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{out}: {text.count(chr(10))} lines")
    for name, out in SAMPLED.items():
        cs = {k: v for k, v in chunks(a.parts, name).items() if not only or k in only}
        if not cs and name in OPTIONAL:
            continue
        lines = []
        for k in sorted(cs):
            ls = cs[k].split("\n")
            # A line cut at an edge is whole only with the neighbour's part.
            head = ls[0] if k == 0 else None
            if k - 1 in cs:
                lines[-1] += ls[0]
            elif head is not None:
                lines.append(head)
            lines.extend(ls[1:-1])
            lines.append(ls[-1])
            # A chunk shorter than 16,000 characters is the file's last: its
            # last line is whole (the file may not end with a newline).
            if k + 1 not in cs and (len(cs[k]) == 16_000 or not lines[-1]):
                lines.pop()
        text = "\n".join(lines) + "\n"
        if name in ("GL", "GL9"):
            text = text.replace("†", "+").replace("\\[", "[").replace("\\]", "]")
        with open(os.path.join(a.src, out), "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{out}: {len(lines)} lines from chunks {sorted(cs)}")


if __name__ == "__main__":
    main()
