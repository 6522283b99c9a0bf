#!/usr/bin/env bash
# libp2p single-connection throughput (TCP + Noise + yamux, /perf/1.0.0 on loopback):
# Java<->Java, Java<->js-libp2p 3.3.11 and js<->js in the same run, on JDK 17 and on the newest JDK present,
# plus the JVM's raw ChaCha20-Poly1305 seal+open rate. Extra arguments go to the benchmark (--mib N --runs N).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d interop/libp2p/node_modules ]; then
  (cd interop/libp2p && npm ci --no-audit --no-fund --loglevel=error)
fi
./mvnw -B -q -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/bench/target/classpath.txt"
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
JDK17="${JDK17:-$(command -v java)}"
newest_jdk() {
  for d in /usr/lib/jvm/*/; do
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release" 2>/dev/null)
    if [ -n "$v" ] && [ -x "$d/bin/java" ]; then echo "$v $d/bin/java"; fi
  done | sort -n | tail -1 | cut -d' ' -f2-
}
NEWEST="${NEWEST_JDK:-$(newest_jdk)}"
for JAVA in "$JDK17" "$NEWEST"; do
  [ -x "$JAVA" ] || continue
  "$JAVA" -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$CP" org.elohim.bench.p2p.ThroughputBench "$@"
done
