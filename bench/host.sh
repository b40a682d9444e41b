#!/usr/bin/env bash
# Benchmarks that drive the in-process local function host from outside (HTTPS, tokens, PostgreSQL, the HSM), each
# beside its limit measured in the same run. Embedded PostgreSQL and the SoftHSM2 token live under bench/target and
# .keyward/bench-softhsm. Results go to bench/results/<name>.txt.
#
#   bench/host.sh unwrap     [SECONDS_PER_PHASE]   Key Vault unwrapkey vs direct Hsm.unwrap; 1 and 8 clients, half peak
#   bench/host.sh data-plane [SECONDS_PER_PHASE]   ingest and query, encryption on vs off in the same run: server CPU per
#                                                  request and throughput, KEYWARD_BENCH_ROUNDS rounds (6) of both modes
#   bench/host.sh keyhealth  [SIZES]               key-health poll rounds over 1,000 and 10,000 resources (1000,10000)
#
# KEYWARD_BENCH_DOUBLE_ENCRYPTION=1: the data-plane cluster with isDoubleEncryptionEnabled (two AES-GCM layers; off: one).
# KEYWARD_BENCH_MVN_FLAGS (e.g. -o for offline) goes to the build. KEYWARD_BENCH_TAG=t writes bench/results/<name>-t.txt
# instead; KEYWARD_BENCH_JFR=file.jfr records the run with JFR (profile settings), for bench/profile.sh. The host logs
# through the app's logging (base.LogSetup) as under ./keyward run; its access log lines are written, then left out of
# the results.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
case "${1:-}" in
  unwrap)     main=io.keyward.bench.UnwrapOverHttps;    arg="${2:-10}"; home=host-home ;;
  data-plane) main=io.keyward.bench.DataPlaneOverHttps; arg="${2:-10}"; home=host-home-dp ;;
  keyhealth)  main=io.keyward.bench.KeyHealthPollBench; arg="${2:-1000,10000}"; home=host-home-kh ;;
  *) echo "usage: bench/host.sh unwrap|data-plane|keyhealth [ARG]" >&2; exit 2 ;;
esac

# Built in the reactor, never installed: the classpath names the modules' own target/ jars (the last module to write
# classpath.txt is bench itself), so nothing of this checkout lands in ~/.m2 where another checkout would find it.
# KEYWARD_BENCH_SKIP_BUILD=1 reuses the classpath an earlier step wrote (./keyward bench: bench/run.sh).
if [ "${KEYWARD_BENCH_SKIP_BUILD:-}" != 1 ] || [ ! -s bench/target/classpath.txt ]; then
  mvn -B -q ${KEYWARD_BENCH_MVN_FLAGS:-} -pl bench -am -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile="$root/bench/target/classpath.txt"
fi
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"

set -a
eval "$(bash softhsm-config/init-token.sh --dir "$root/.keyward/bench-softhsm" --label keyward-bench --quiet)"
set +a

# A fresh host home (database, identity, TLS) per run: resources of an earlier run would count against limits.
rm -rf "bench/target/$home"
# The vaults' host names must resolve to the loopback host: a hosts file of our own for the JDK resolver.
mkdir -p bench/target bench/results
printf '127.0.0.1 localhost kwbench.vault.localhost kwbenchdp.vault.localhost kwbenchkh.vault.localhost\n' > bench/target/hosts
out="bench/results/$1${KEYWARD_BENCH_TAG:+-$KEYWARD_BENCH_TAG}.txt"
jfr=()
[ -z "${KEYWARD_BENCH_JFR:-}" ] || jfr=("-XX:StartFlightRecording=settings=profile,filename=$KEYWARD_BENCH_JFR")
# --add-exports: Phases reads the JIT compiler threads' CPU time (hidden from ThreadMXBean) to leave it out of the
# server's CPU per request
# the host's JVM options, as under ./keyward run (functions/local/jvm.options)
# shellcheck disable=SC2046
java "${jfr[@]}" $(sed 's/#.*//' functions/local/jvm.options) --add-exports java.management/sun.management=ALL-UNNAMED -Djdk.net.hosts.file="$root/bench/target/hosts" \
  -cp "$cp" "$main" "$arg" "$root/bench/target/$home" \
  | grep --line-buffered -v ' keyward\.access - ' | tee "$out"
