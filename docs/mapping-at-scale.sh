#!/bin/sh
# Mapping workflow at scale (docs/benchmarks.md). Release build of this branch.
set -e
M=${M:-target/release/mulu}; C=${C:-/tmp/corpus-full}; H=${H:-/tmp/h4-scale}; W=${W:-/tmp/h4-work}
T="/usr/bin/time -f %e_s_%M_KB"
rm -rf "$H" "$W"; mkdir -p "$W"
[ -f "$C/v1/drug.csv" ] || $M gen corpus --scale full --seed 1 --out "$C" --no-xlsx
$T $M --home "$H" --quiet import "$C/v1/drug.csv" --kind drug --label v1
$T $M --home "$H" --quiet import "$C/v1/consumable.csv" --kind consumable --label v1
# 13,000 drug items: the dictionary's 10,000 and 3,000 of them again under new 院内编码.
python3 - "$C/hospital/drug.csv" "$W/dict.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
head, body = rows[0], rows[1:]
extra = [["B" + r[0]] + r[1:] for r in body[:3000]]
w = csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""))
w.writerow(head); w.writerows(body + extra)
PY
$T $M --home "$H" --quiet index --kind drug
$T $M --home "$H" --quiet match "$W/dict.csv" --kind drug --out "$W/matched.csv"
# The reviewed workbook: every row 通过 (low/none confirmed with --force).
python3 - "$W/matched.csv" "$W/reviewed.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
i = rows[0].index("审核结果")
for r in rows[1:]:
    r[i] = "通过"
csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline="")).writerows(rows)
PY
$T $M --home "$H" review apply "$W/reviewed.csv" --by bench --force > "$W/apply.txt" 2> "$W/apply.err" || true
head -1 "$W/apply.txt"; tail -1 "$W/apply.err"
$T $M --home "$H" export 3301 --out "$W/3301.json"
$T $M --home "$H" export 3301 --out "$W/3301.xlsx"
CODE=$(python3 -c "import json;print(json.load(open('$W/3301.json'))['batches'][0]['data'][1]['med_list_codg'])")
$T $M --home "$H" --quiet review replace B$(head -2 "$W/dict.csv" | tail -1 | cut -d, -f1) --code "$CODE" --by bench
