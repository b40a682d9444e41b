#!/usr/bin/env bash
# Cold start and memory of the local host as its own process, started as `./keyward run` starts it (plain `java -cp`
# with functions/local/jvm.options): JVM start to the first 200 on /health/ping and to the first 200 on unwrapkey
# (vault, key and token prepared by an earlier start of the same home), RSS idle and under 8 clients of unwrapkey
# (bench's UnwrapLoad, another JVM).
# Each run also gives the host's CPU time (user + system) up to the first ping, which depends far less than wall time on
# what else the machine runs, and the 1-minute load average; the last lines give the medians.
# Results: bench/results/coldstart[-TAG].txt.
#
#   bench/coldstart.sh [RUNS]          (KEYWARD_BENCH_TAG, KEYWARD_BENCH_SKIP_BUILD as for host.sh)
#   KEYWARD_BENCH_CDS=1 bench/coldstart.sh [RUNS]   the same with an AppCDS archive of the host's classes: one training
#                                    start (ping, one unwrapkey) writes it (-XX:ArchiveClassesAtExit), every measured start
#                                    maps it (-XX:SharedArchiveFile), as ./keyward run does; compare with a run without it
#   KEYWARD_BENCH_DB=external        PostgreSQL already running (as on Azure, where it is a service): an embedded server
#                                    in a process of its own (bench's StandaloneDatabase), given by KEYWARD_DATABASE_URL
#   KEYWARD_BENCH_JAVA_OPTS="..."    more JVM options for the host (e.g. -XX:TieredStopAtLevel=1), word-split
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${1:-3}"
port=7471
home="$root/bench/target/coldstart-home"
out="bench/results/coldstart${KEYWARD_BENCH_TAG:+-$KEYWARD_BENCH_TAG}.txt"
[ "${KEYWARD_BENCH_SKIP_BUILD:-}" = 1 ] || mvn -B -q -pl bench -am -DskipTests -Dfunctions.skip=true package \
  dependency:build-classpath -Dmdep.outputFile="$root/bench/target/classpath.txt"
# the module's jar, not target/classes: AppCDS refuses a class path with a non-empty directory
host_cp="$(ls "$root"/functions/local/target/keyward-local-*.jar | grep -v -- '-tests\.jar$' | head -1):$(cat "$root/functions/local/target/classpath.txt")"
bench_cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"

set -a
eval "$(bash softhsm-config/init-token.sh --dir "$root/.keyward/bench-softhsm" --label keyward-bench --quiet)"
set +a
rm -rf "$home"
mkdir -p "$home" bench/results
export KEYWARD_HOME="$home" KEYWARD_PORT="$port"
base="https://127.0.0.1:$port"
ca="$home/.keyward/tls/ca.pem"
vault="https://kwcold.vault.localhost:$port"
printf '127.0.0.1 localhost kwcold.vault.localhost\n' > bench/target/coldstart-hosts
pid="" dbpid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; [ -z "$dbpid" ] || kill -TERM "$dbpid" 2>/dev/null || true' EXIT
db_mode="embedded in the host"
if [ "${KEYWARD_BENCH_DB:-}" = external ]; then
  rm -f bench/target/coldstart-db.url
  java -cp "$bench_cp" io.keyward.bench.StandaloneDatabase "$home/standalone-postgres" bench/target/coldstart-db.url \
    > bench/target/coldstart-db.log 2>&1 &
  dbpid=$!
  until [ -s bench/target/coldstart-db.url ]; do kill -0 "$dbpid" || { cat bench/target/coldstart-db.log; exit 1; }; sleep 0.1; done
  export KEYWARD_DATABASE_URL="$(cat bench/target/coldstart-db.url)" KEYWARD_DATABASE_USER=postgres KEYWARD_DATABASE_PASSWORD=""
  db_mode="already running (KEYWARD_BENCH_DB=external)"
fi

jsa="$root/bench/target/coldstart-host.jsa"
cds=()
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
start_host() {
  t0=$(now_ms)
  # shellcheck disable=SC2086
  # shellcheck disable=SC2046
  java "${cds[@]}" $(sed 's/#.*//' functions/local/jvm.options) ${KEYWARD_BENCH_JAVA_OPTS:-} -cp "$host_cp" io.keyward.local.LocalFunctionHost > "bench/target/coldstart-host.log" 2>&1 &
  pid=$!
}
# SIGTERM: a background job of a script has SIGINT ignored, and the JVM then keeps ignoring it
stop_host() { kill -TERM "$pid"; wait "$pid" || true; pid=""; }
status_of() { curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" "$@" 2>/dev/null || true; }
wait_ping() { until [ -f "$ca" ] && [ "$(status_of "$base/health/ping")" = 200 ]; do sleep 0.01; done; }
rss_mb() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )); }
hwm_mb() { echo $(( $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024 )); }
# user + system CPU of the host so far, in ms (clock ticks of /proc/PID/stat)
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# the same fixed shell loop before each start, in ms: how fast the machine is at that moment (on a shared VM it swings
# by up to 2x within a minute, and a start's time with it)
probe_ms() { local t i; t=$(now_ms); for ((i = 0; i < 100000; i++)); do :; done; echo $(( $(now_ms) - t )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
token() {
  local op="$home/.keyward/identity/operator.json"
  printf '%s' "$(field clientSecret < "$op")" | curl -sS --cacert "$ca" --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$(field clientId < "$op")" --data-urlencode "client_secret@-" \
    --data-urlencode "scope=$1/.default" "$base/$(field tenantId < "$op")/oauth2/v2.0/token" | field access_token
}

# Preparation: a vault, a key and a wrapped value, as in docs/walkthrough-key-vault.md; then the host stops.
start_host
wait_ping
op="$home/.keyward/identity/operator.json"
tenant="$(field tenantId < "$op")" me="$(field objectId < "$op")"
arm="Authorization: Bearer $(token https://management.azure.com)"
kv_token="$(token https://vault.azure.net)"
rg="$base/subscriptions/c01d0000-0000-4000-8000-000000000001/resourceGroups/cold/providers/Microsoft.KeyVault/vaults/kwcold"
curl -sS -o /dev/null --cacert "$ca" -X PUT -H "$arm" -H 'Content-Type: application/json' "$rg?api-version=2023-07-01" \
  -d '{"location":"eastus","properties":{"tenantId":"'"$tenant"'","sku":{"family":"A","name":"premium"},"enableSoftDelete":true,"softDeleteRetentionInDays":90,"enablePurgeProtection":true,"accessPolicies":[{"tenantId":"'"$tenant"'","objectId":"'"$me"'","permissions":{"keys":["get","create","wrapKey","unwrapKey"]}}]}}'
kid="$(curl -sS --cacert "$ca" -X POST -H "Authorization: Bearer $kv_token" -H 'Content-Type: application/json' \
  "$vault/keys/cmk/create?api-version=7.5" -d '{"kty":"RSA-HSM","key_size":2048}' | field kid)"
wrapped="$(curl -sS --cacert "$ca" -X POST -H "Authorization: Bearer $kv_token" -H 'Content-Type: application/json' \
  "$kid/wrapkey?api-version=7.5" -d '{"alg":"RSA-OAEP","value":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}' | field value)"
body='{"alg":"RSA-OAEP","value":"'"$wrapped"'"}'
stop_host
if [ "${KEYWARD_BENCH_CDS:-}" = 1 ]; then
  # training start: the classes loaded up to the first unwrapkey go into the archive when the JVM exits (SIGTERM too)
  rm -f "$jsa"
  cds=("-XX:ArchiveClassesAtExit=$jsa")
  start_host
  wait_ping
  until [ "$(status_of -X POST -H "Authorization: Bearer $kv_token" -H 'Content-Type: application/json' \
      "$kid/unwrapkey?api-version=7.5" -d "$body")" = 200 ]; do sleep 0.01; done
  stop_host
  cds=("-XX:SharedArchiveFile=$jsa")
fi
[ "${#cds[@]}" = 0 ] || cds+=("-Xlog:cds=off" "-Xlog:cds+dynamic=off")

{
  echo "local host cold start ($(java -version 2>&1 | head -1)), $(nproc) cores, $runs runs, database $db_mode${cds:+, AppCDS archive $(du -m "$jsa" | cut -f1) MB}${KEYWARD_BENCH_JAVA_OPTS:+, JVM options: $KEYWARD_BENCH_JAVA_OPTS}"
  pings=() unwraps=() cpus=() probes=()
  for i in $(seq "$runs"); do
    p=$(probe_ms)
    start_host
    wait_ping
    t1=$(now_ms)
    c1=$(cpu_ms) l1=$(load1)
    until [ "$(status_of -X POST -H "Authorization: Bearer $kv_token" -H 'Content-Type: application/json' \
        "$kid/unwrapkey?api-version=7.5" -d "$body")" = 200 ]; do sleep 0.01; done
    t2=$(now_ms)
    pings+=($((t1 - t0))) unwraps+=($((t2 - t0))) cpus+=("$c1") probes+=("$p")
    echo "run $i: JVM start to first ping 200: $((t1 - t0)) ms; to first unwrapkey 200: $((t2 - t0)) ms; host CPU to first ping: $c1 ms; load average $l1; machine probe $p ms;$(sed -n 's/^ *started in/ host: started in/p' bench/target/coldstart-host.log)"
    [ "$i" = "$runs" ] || stop_host
  done
  echo "median of $runs: first ping $(printf '%s\n' "${pings[@]}" | median) ms, first unwrapkey $(printf '%s\n' "${unwraps[@]}" | median) ms, host CPU to first ping $(printf '%s\n' "${cpus[@]}" | median) ms, machine probe $(printf '%s\n' "${probes[@]}" | median) ms"
  sleep 10
  echo "RSS idle (10 s after the first unwrapkey): $(rss_mb) MB (high-water mark so far $(hwm_mb) MB)"
  java -Djdk.net.hosts.file="$root/bench/target/coldstart-hosts" -cp "$bench_cp" io.keyward.bench.UnwrapLoad \
    "$kid/unwrapkey?api-version=7.5" "$kv_token" "$body" 8 20 "$home/.keyward/tls/truststore.p12" > bench/target/coldstart-load.txt &
  load=$!
  max=0
  while kill -0 "$load" 2>/dev/null; do
    r=$(rss_mb); [ "$r" -gt "$max" ] && max=$r
    sleep 0.5
  done
  wait "$load" || true
  sed 's/^/load: /' bench/target/coldstart-load.txt
  echo "RSS under 8 clients of unwrapkey (max of 0.5 s samples): $max MB (high-water mark $(hwm_mb) MB); load average $(load1)"
  stop_host
} | tee "$out"
