#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Command-line tests of `bpnn fit`. Usage: cli_test.sh BPNN DATA_DIR WORK_DIR CASE
# Each CASE runs bpnn in a fresh WORK_DIR/CASE and exits non-zero with a
# message when a check fails.

set -euo pipefail

readonly BPNN=$1
readonly DATA=$2
readonly WORK=$3/$4
readonly CASE=$4

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() {
  echo "FAILED ($CASE): $*" >&2
  exit 1
}

# Runs bpnn fit, storing the exit status in $status and stderr in err.txt.
run_fit() {
  set +e
  "$BPNN" fit "$@" >out.txt 2>err.txt
  status=$?
  set -e
}

expect_status() {
  [[ $status -eq $1 ]] || fail "exit status $status, expected $1; stderr: $(cat err.txt)"
}

expect_error() {
  grep -qF -- "$1" err.txt || fail "stderr lacks '$1'; stderr: $(cat err.txt)"
}

# A two-element settings file with a small network, for the data cases.
write_settings() {
  cat >input.nn <<'EOF'
number_of_elements 2
elements H O
cutoff_type 2
scale_symmetry_functions
scale_min_short 0.0
scale_max_short 1.0
global_hidden_layers_short 1
global_nodes_short 3
global_activation_short t l
use_short_forces
random_seed 3
test_fraction 0.0
symfunction_short H 2 H 0.5 0.0 4.0
symfunction_short H 2 O 0.5 0.0 4.0
symfunction_short O 2 H 0.5 0.0 4.0
EOF
}

# Two water-like molecules; $1 replaces the element of the third atom of the
# second structure (line 13) and $2, $3 its x and y coordinates.
write_data() {
  local element=${1:-H} x=${2:-0.3} y=${3:-1.1}
  cat >input.data <<EOF
begin
comment first
atom 0.0 0.0 0.0 O 0.0 0.0 0.1 0.0 0.0
atom 1.0 0.0 0.0 H 0.0 0.0 -0.1 0.0 0.0
atom 0.0 1.0 0.0 H 0.0 0.0 0.0 0.1 0.0
energy -1.0
charge 0.0
end
begin
comment second
atom 0.0 0.0 0.0 O 0.0 0.0 0.2 0.0 0.0
atom 1.1 0.0 0.0 H 0.0 0.0 -0.2 0.0 0.0
atom $x $y 0.0 $element 0.0 0.0 0.0 0.2 0.0
energy -0.9
charge 0.0
end
EOF
}

case $CASE in
  help)
    run_fit --help
    expect_status 0
    for option in --output --force --resume --checkpoint-every --test-fraction --seed --forces --no-forces \
                  --energy-weight --force-weight --normalize --min-distance --optimizer --epochs \
                  --learning-rate --batch-size --lbfgs-history --lbfgs-iterations --energy-fraction \
                  --force-fraction --energy-batch --force-batch --patience --target-energy-rmse \
                  --target-force-rmse --max-time --threads --help; do
      grep -qF -- "$option" out.txt || fail "help does not document $option"
    done
    ;;

  usage)
    run_fit
    expect_status 2
    grep -qF "expected SETTINGS and DATA" err.txt || fail "no usage message: $(cat err.txt)"
    write_settings
    write_data
    run_fit input.nn input.data -o out --bogus
    expect_status 1
    expect_error "unknown option '--bogus'"
    run_fit input.nn input.data -o out --epochs ten
    expect_status 1
    expect_error "invalid value 'ten' for --epochs"
    run_fit input.nn input.data -o out --optimizer sgd
    expect_status 1
    expect_error "expected lbfgs, kalman or adam"
    run_fit input.nn input.data
    expect_status 2
    grep -qF "missing -o OUTPUT_DIR" err.txt || fail "no message for a missing -o: $(cat err.txt)"
    [[ ! -e out ]] || fail "a rejected command created the output directory"
    ;;

  unknown-element)
    write_settings
    write_data C
    run_fit input.nn input.data -o out
    expect_status 1
    expect_error "input.data:13: structure 2 (starting at line 9), atom 3: element 'C' is not in the settings (elements: H O)"
    ;;

  missing-forces)
    write_settings
    cat >data.xyz <<'EOF'
3
Properties=species:S:1:pos:R:3 energy=-1.0
O 0.0 0.0 0.0
H 1.0 0.0 0.0
H 0.0 1.0 0.0
EOF
    run_fit input.nn data.xyz -o out
    expect_status 1
    expect_error "data.xyz:1: structure 1 (starting at line 1) has no reference forces"
    ;;

  not-a-number)
    write_settings
    write_data H nan
    run_fit input.nn input.data -o out
    expect_status 1
    expect_error "input.data:13:"
    expect_error "'nan'"
    ;;

  overlap)
    write_settings
    write_data H 1.1 0.05
    run_fit input.nn input.data -o out
    expect_status 1
    expect_error "input.data:12: structure 2 (starting at line 9), atom 2: closer than 0.1 length units to atom 3 (distance 0.05)"
    run_fit input.nn input.data -o out --min-distance 0.01
    expect_status 0
    ;;

  empty-data)
    write_settings
    : >input.data
    run_fit input.nn input.data -o out
    expect_status 1
    expect_error "no structures found"
    ;;

  overwrite)
    write_settings
    write_data
    run_fit input.nn input.data -o out --epochs 2
    expect_status 0
    before=$(cat out/input.nn out/weights.001.data out/learning-curve.csv | md5sum)
    run_fit input.nn input.data -o out --epochs 3
    expect_status 1
    expect_error "file exists and would be overwritten"
    after=$(cat out/input.nn out/weights.001.data out/learning-curve.csv | md5sum)
    [[ $before == "$after" ]] || fail "a rejected fit changed the output files"
    run_fit input.nn input.data -o out --epochs 3 --force
    expect_status 0
    [[ $(tail -n 1 out/learning-curve.csv | cut -d, -f1) == 3 ]] || fail "--force did not rerun the fit"
    # The settings file may not be one of the outputs.
    mkdir -p same
    cp input.nn same/input.nn
    run_fit same/input.nn input.data -o same --force
    expect_status 1
    expect_error "this input would be overwritten"
    ;;

  interrupt-resume)
    # An uninterrupted fit, and the same fit stopped by SIGINT and resumed,
    # must end with identical weights.
    arguments=("$DATA/LJ/input.nn" "$DATA/LJ/input.data" --optimizer lbfgs --epochs 600 --threads 1)
    run_fit "${arguments[@]}" -o whole
    expect_status 0
    set +e
    "$BPNN" fit "${arguments[@]}" -o parts >parts.txt 2>parts-err.txt &
    pid=$!
    set -e
    for _ in $(seq 1 600); do
      if [[ -f parts/learning-curve.csv && $(wc -l <parts/learning-curve.csv) -ge 30 ]]; then break; fi
      sleep 0.05
    done
    kill -INT "$pid" || true
    set +e
    wait "$pid"
    status=$?
    set -e
    [[ $status -ne 0 ]] || fail "the fit finished before the interrupt arrived"
    [[ $status -eq 130 ]] || fail "interrupted fit exited with $status, expected 130: $(cat parts-err.txt)"
    grep -qF "continue with the same command and --resume" parts.txt || fail "no resume hint after SIGINT"
    "$BPNN" predict parts "$DATA/LJ/input.data" -o interrupted.data >/dev/null ||
      fail "the potential left by the interrupted fit does not load"
    run_fit "${arguments[@]}" -o parts --resume
    expect_status 0
    grep -qF "resumed from fit-checkpoint.bin" out.txt || fail "the resumed fit did not report its checkpoint"
    for file in weights.010.data scaling.data input.nn; do
      cmp -s "whole/$file" "parts/$file" || fail "$file differs between the uninterrupted and the resumed fit"
    done
    [[ $(tail -n 1 parts/learning-curve.csv | cut -d, -f1) == 600 ]] || fail "the resumed fit did not reach epoch 600"
    ;;

  *)
    fail "unknown test case"
    ;;
esac
echo "passed: $CASE"
