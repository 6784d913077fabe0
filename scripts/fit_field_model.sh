#!/usr/bin/env bash
# Re-fit the shipped per-field model (data/field_model.json) the way it was
# fitted in session 16 (docs/benchmarks.md, "field models per kind").
#
#   scripts/fit_field_model.sh HOME_A CORPUS SLIPS HOME_REAL REAL OUT.json
#
# HOME_A    a mulu home holding family A's v1 catalogues (drug, consumable,
#           service, diagnosis)
# HOME_REAL a home holding the real 医保版 lists (REAL/diagnosis.csv and
#           REAL/procedure.csv imported)
# CORPUS  family A: `mulu gen corpus --scale small --seed 1` (its hospital/)
# SLIPS   `python3 scripts/slip_sets.py slips CORPUS/hospital/drug.labelled.csv SLIPS --seed 5`
# REAL    `python3 scripts/real_icd_set.py SRC REAL` over the CHS-DRG-Grouper
#         lists, with the dev splits below made from its his-* files
#         (dx-*-dev: diagnoses of chapters B–K; fresh-*: chapters D, H–I, L–M,
#         Q, T, Z; px-*-dev: procedures whose 医保版 code starts 00–49)
#
# The examples are written with the mulu on PATH (set MULU to override):
# they depend on the matcher that scores them, so re-fit after a scoring change.
set -euo pipefail
home_a=$1 corpus=$2 slips=$3 home_real=$4 real=$5 out=$6
mulu=${MULU:-mulu}
pools=$(mktemp -d)
ex() { # home file kind name
  local home=$1
  shift
  "$mulu" --home "$home" -q --json eval "$1" --kind "$2" --examples-out "$pools/$3.jsonl" >/dev/null
  echo "--pool $pools/$3.jsonl"
}
args=(
  $(ex "$home_a" "$corpus/hospital/consumable.labelled.csv" consumable A-consumable)
  $(ex "$home_a" "$corpus/hospital/service.labelled.csv" service A-service)
  $(ex "$home_a" "$corpus/hospital/diagnosis.labelled.csv" diagnosis A-diagnosis)
  $(ex "$home_a" "$slips/sub.csv" drug A-sub)
  $(ex "$home_a" "$slips/del.csv" drug A-del)
  $(ex "$home_real" "$real/dx-names-dev.csv" diagnosis R-dxn-dev)
  $(ex "$home_real" "$real/dx-codes-dev.csv" diagnosis R-dxc-dev)
  $(ex "$home_real" "$real/fresh-names.csv" diagnosis R-dxn-fresh)
  $(ex "$home_real" "$real/fresh-codes.csv" diagnosis R-dxc-fresh)
  $(ex "$home_real" "$real/px-names-dev.csv" procedure R-pxn-dev)
  $(ex "$home_real" "$real/px-codes-dev.csv" procedure R-pxc-dev)
)
"$mulu" --home "$home_a" -q eval "$corpus/hospital/drug.labelled.csv" --kind drug \
  --fit-field-model "$out" "${args[@]}" >/dev/null
echo "wrote $out (pools in $pools)"
