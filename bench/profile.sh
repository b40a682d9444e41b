#!/usr/bin/env bash
# Where the local host's server threads spend their time during `bench/host.sh unwrap`: records the run with JFR and
# sums its samples by part of the path (ServerProfile). Results: bench/results/unwrap-profile[-TAG].txt.
#
#   bench/profile.sh [SECONDS_PER_PHASE]     (KEYWARD_BENCH_TAG as for host.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tag="${KEYWARD_BENCH_TAG:+-$KEYWARD_BENCH_TAG}"
jfr="$root/bench/target/unwrap$tag.jfr"
mkdir -p bench/target bench/results
KEYWARD_BENCH_TAG="profiled${tag}" KEYWARD_BENCH_JFR="$jfr" bash bench/host.sh unwrap "${1:-10}" >/dev/null
java -cp "$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")" io.keyward.bench.ServerProfile "$jfr" \
  | tee "bench/results/unwrap-profile$tag.txt"
