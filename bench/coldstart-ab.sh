#!/usr/bin/env bash
# Interleaved cold starts of several builds or JVM options of the local host, so that they meet the same moments of a
# machine whose speed drifts (bench/coldstart.sh's probe: up to 2x within a minute here). Each variant is a checkout
# whose functions/local is packaged (`mvn -pl functions/local -am -DskipTests -Dfunctions.skip=true package`), with
# JVM options after an '@': `/path/to/checkout@-XX:+UseSerialGC -Xmx512m`. No options means the JVM's defaults, not
# functions/local/jvm.options. Each variant gets its own AppCDS archive from one training start (ping only), then the
# rounds start them in turn, to the first 200 on /health/ping. Uses the home bench/coldstart.sh prepared
# (bench/target/coldstart-home: database, token, TLS), so run that once first.
# Results: bench/results/coldstart-ab[-TAG].txt, one line per start, then the medians per variant.
#
#   bench/coldstart-ab.sh VARIANT...        (KEYWARD_BENCH_ROUNDS rounds, default 8; KEYWARD_BENCH_TAG)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${KEYWARD_BENCH_ROUNDS:-8}"
home="$root/bench/target/coldstart-home"
[ -d "$home/.keyward" ] || { echo "no $home: run bench/coldstart.sh first" >&2; exit 1; }
out="bench/results/coldstart-ab${KEYWARD_BENCH_TAG:+-$KEYWARD_BENCH_TAG}.txt"
set -a
eval "$(bash softhsm-config/init-token.sh --dir "$root/.keyward/bench-softhsm" --label keyward-bench --quiet)"
set +a
export KEYWARD_HOME="$home" KEYWARD_PORT=7471
ca="$home/.keyward/tls/ca.pem"
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
jsa_of() { echo "$root/bench/target/coldstart-ab-$(printf '%s' "$1" | md5sum | cut -c1-12).jsa"; }
# one start of variant $1 with the CDS option $2: ping ms, host CPU ms, then the host's start line's figures
start() {
  local dir="${1%%@*}" opts="" t0 t1 cpu
  [[ $1 == *@* ]] && opts="${1#*@}"
  local cp
  cp="$(ls "$dir"/functions/local/target/keyward-local-*.jar | grep -v -- '-tests\.jar$' | head -1):$(cat "$dir/functions/local/target/classpath.txt")"
  t0=$(now_ms)
  # shellcheck disable=SC2086
  java "$2" -Xlog:cds=off -Xlog:cds+dynamic=off $opts -cp "$cp" io.keyward.local.LocalFunctionHost \
    > bench/target/coldstart-ab-host.log 2>&1 &
  pid=$!
  until [ -f "$ca" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" https://127.0.0.1:7471/health/ping 2>/dev/null || true)" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || { cat bench/target/coldstart-ab-host.log >&2; exit 1; }
    sleep 0.01
  done
  t1=$(now_ms)
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  echo "$((t1 - t0)) $cpu $(sed -n 's/^ *started in \([0-9]*\) ms: logging \([0-9]*\) ms, then database \([0-9]*\) ms.*context (Flyway, beans) \([0-9]*\) ms, functions \([0-9]*\) ms.*/\1 \2 \3 \4 \5/p' bench/target/coldstart-ab-host.log)"
}
for v in "$@"; do rm -f "$(jsa_of "$v")"; start "$v" "-XX:ArchiveClassesAtExit=$(jsa_of "$v")" > /dev/null; done
{
  echo "interleaved cold starts ($(java -version 2>&1 | head -1)), $(nproc) cores, $rounds rounds, embedded PostgreSQL, AppCDS per variant"
  echo "columns: ping ms, host CPU ms, started in, logging, database, application context, functions (the host's start line)"
  for r in $(seq "$rounds"); do
    for i in $(seq $#); do
      v="${!i}"
      echo "variant $i round $r: $(start "$v" "-XX:SharedArchiveFile=$(jsa_of "$v")")"
    done
  done
} | tee "$out"
{
  echo "medians per variant: ping, host CPU, started in, logging, database, context, functions (ms)"
  for i in $(seq $#); do
    echo "variant $i ($(basename "${!i%%@*}")${!i#"${!i%%@*}"}): $(for k in 5 6 7 8 9 10 11; do
      grep "^variant $i round " "$out" | awk -v k="$k" '{print $k}' | sort -n \
        | awk '{a[NR] = $1} END {printf "%s ", (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'
    done)"
  done
} | tee -a "$out"
