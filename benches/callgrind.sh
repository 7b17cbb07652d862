#!/usr/bin/env bash
# Prints the instructions that one verification of the benchmark token costs, counted by
# valgrind's callgrind: the difference between runs of 10 and 110 verifications, divided by
# 100, so key loading and token signing in the set-up cancel out.
#
# Usage: benches/callgrind.sh [full|rsa|prepare]   (default: full; `rsa` counts verify_rs256
# alone, `prepare` counts PreparedKey::from_components on the 2048-bit key)
# Needs valgrind. Set CALLGRIND_ANNOTATE=1 to also print the functions that cost the most.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-full}"
small=10
large=110

cargo build -q --release -p acs-jwt-benches --bin verify_loop
binary="${CARGO_TARGET_DIR:-target}/release/verify_loop"
out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT

count_instructions() {
    valgrind --tool=callgrind --callgrind-out-file="$out_dir/callgrind.$1" \
        "$binary" "$mode" "$1" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

small_total="$(count_instructions "$small")"
large_total="$(count_instructions "$large")"
per_token=$(( (large_total - small_total) / (large - small) ))
echo "mode: $mode"
echo "instructions for $small verifications: $small_total"
echo "instructions for $large verifications: $large_total"
echo "instructions per verification: $per_token"

if [[ "${CALLGRIND_ANNOTATE:-0}" == 1 ]]; then
    callgrind_annotate --inclusive=yes "$out_dir/callgrind.$large" | head -40
fi
