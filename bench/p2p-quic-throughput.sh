#!/usr/bin/env bash
# libp2p QUIC vs TCP + Noise + yamux throughput (/perf/1.0.0, one connection, loopback): Java<->Java on both
# transports, js<->js QUIC (js-libp2p 3.3.11 + @chainsafe/libp2p-quic 2.1.1) and Java<->js QUIC in one run.
# Extra arguments go to the benchmark (--mib N --runs N).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d interop/libp2p/node_modules ]; then
  (cd interop/libp2p && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
fi
./mvnw -B -q -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/bench/target/classpath.txt"
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
exec "${JAVA:-java}" -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$CP" org.elohim.bench.p2p.QuicBench "$@"
