#!/usr/bin/env bash
# Key Vault unwrapkey over HTTPS through the in-process local function host, beside crypto-hsm's direct
# Hsm.unwrap in the same JVM, with 1 and 8 clients, then a fixed-rate phase at half the HTTPS peak.
# Embedded PostgreSQL and the SoftHSM2 token live under bench/target and .keyward/bench-softhsm.
#
#   bench/unwrap-http.sh [SECONDS_PER_PHASE]      (default 10)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-10}"

[ "${KEYWARD_BENCH_SKIP_BUILD:-}" = 1 ] || mvn -B -q -pl bench -am -DskipTests install
mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$root/bench/target/classpath.txt"
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"

set -a
eval "$(bash softhsm-config/init-token.sh --dir "$root/.keyward/bench-softhsm" --label keyward-bench --quiet)"
set +a

# The vault's host name must resolve to the loopback host: a hosts file of our own for the JDK resolver.
mkdir -p bench/target
printf '127.0.0.1 localhost kwbench.vault.localhost\n' > bench/target/hosts
mkdir -p bench/results
# sun.net.httpserver.nodelay: the JDK HTTPS server otherwise leaves Nagle on, and each small response waits for
# the client's delayed ACK (~40 ms per request on Linux).
java -Djdk.net.hosts.file="$root/bench/target/hosts" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dsun.net.httpserver.nodelay="${KEYWARD_BENCH_NODELAY:-true}" \
  -cp "$cp" io.keyward.bench.UnwrapOverHttps "$seconds" "$root/bench/target/host-home" \
  | tee "bench/results/unwrap-http.txt"
