#!/usr/bin/env bash
# Runs Keyward's JMH benchmarks on every JDK given (default: the JDK on PATH, and JDK 25 when installed), each
# benchmark beside its limit in the same JVM. Results go to bench/results/<jdk>-*.txt; docs/benchmarks.md quotes
# them. Not part of the tests: numbers depend on the machine.
#
#   bench/run.sh [--quick] [JAVA_HOME ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
unwrap_args=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
# JDK 17 compiles its GCM decryption of 1 MiB arrays with C2 only after ~20 s of load (measured: ~50 ops/s
# before, ~1,200 after), so the envelope benchmarks warm up for 30 s.
envelope_args=(-f 1 -wi 10 -w 3s -i 5 -r 2s)
if [ "${1:-}" = "--quick" ]; then
  unwrap_args=(-f 1 -wi 1 -w 1s -i 2 -r 1s); envelope_args=("${unwrap_args[@]}"); shift
fi
jdks=("$@")
if [ ${#jdks[@]} -eq 0 ]; then
  jdks=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64; do
    [ -x "$j/bin/java" ] && { jdks+=("$j"); break; }
  done
fi

# Built through the reactor, never `install` (see host.sh)
mvn -B -q -pl bench -am -DskipTests -Dfunctions.skip=true package \
  dependency:build-classpath -Dmdep.outputFile="$root/bench/target/classpath.txt"
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"

# The benchmark token lives in its own project-local directory.
set -a
eval "$(bash softhsm-config/init-token.sh --dir "$root/.keyward/bench-softhsm" --label keyward-bench --quiet)"
set +a

mkdir -p bench/results
for jdk in "${jdks[@]}"; do
  version="$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.version =/{print $2}')"
  tag="jdk-$version"
  echo "== $tag: RSA-2048 OAEP unwrap, 1 and 2 threads"
  for t in 1 2; do
    "$jdk/bin/java" -cp "$cp" org.openjdk.jmh.Main "${unwrap_args[@]}" -t "$t" -tu s \
      'io.keyward.bench.UnwrapBenchmark' | tee "bench/results/$tag-unwrap-t$t.txt" | grep -E '^(Benchmark|Unwrap)'
  done
  echo "== $tag: envelope vs bare SunJCE AES-GCM"
  "$jdk/bin/java" -cp "$cp" org.openjdk.jmh.Main "${envelope_args[@]}" -t 1 -tu s \
    'io.keyward.bench.EnvelopeBenchmark' | tee "bench/results/$tag-envelope.txt" | grep -E '^(Benchmark|Envelope)'
done
python3 bench/summarise.py bench/results
