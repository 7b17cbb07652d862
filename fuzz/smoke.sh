#!/usr/bin/env bash
# Builds every fuzz target and runs each for 30 seconds from the committed seeds.
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`). Exits
# non-zero when a target fails to build or finds a crash; the crashing input is then in
# fuzz/artifacts/<target>/. New corpus entries go to a temporary folder, so a run leaves the
# committed seeds unchanged. Usage: fuzz/smoke.sh [seconds per target]
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET="${1:-30}"
TARGETS=(verify bearer jwks discovery claims)

# -s none: the core forbids unsafe code, so AddressSanitizer would mostly watch dependencies,
# at a large cost in speed.
cargo +nightly fuzz build -s none

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
for target in "${TARGETS[@]}"; do
    echo "== fuzz $target for ${SECONDS_PER_TARGET} s"
    mkdir -p "$corpus/$target"
    rm -rf "artifacts/$target"
    # -timeout: an input that runs longer than 10 s counts as a crash (unbounded work).
    cargo +nightly fuzz run -s none "$target" "$corpus/$target" "seeds/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -dict=dict/jose.dict \
        -max_len=16384 -print_final_stats=1 2>&1 | grep -E "^stat::(number_of_executed_units|average_exec_per_sec)|ERROR|panicked|SUMMARY" || true
    # A crash leaves its input in artifacts/; grep above hides the exit status.
    if compgen -G "artifacts/$target/*" > /dev/null; then
        echo "fuzz target $target failed; inputs in fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
echo "fuzz smoke passed"
