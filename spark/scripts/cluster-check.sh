#!/usr/bin/env bash
# A real Spark standalone cluster on loopback: a master and two workers as separate JVMs, started from
# the spark-core jars Maven resolves (there is no Spark distribution here: a SPARK_HOME whose jars/
# links to them stands in for one), then `spark-submit` of flint-spark.jar training the MLP on the
# embedded MNIST subset with two barrier workers. In epoch 2 the executor of rank 1 halts mid-epoch
# (as if killed); Spark replaces it and retries the epoch from the last checkpoint. Checks: the job
# succeeds, the retry happened, the outputs of a local run are all there, and the model is the same,
# bit for bit (every tensor), as a run of the same command in local[2] mode.
#
#   spark/scripts/cluster-check.sh            # from the repository root; about 2-4 minutes on 2 cores
#
# Against your own cluster, the same submit command with your master URL (see spark/README.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
work="$(mktemp -d "${TMPDIR:-/tmp}/flint-cluster.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
say() { echo "cluster-check: $*"; }

say "building spark/target/flint-spark.jar and Spark's class path"
# One reactor build: the jar, and the dependency list of each module into deps.txt; module spark comes
# last (it depends on the others), so deps.txt ends as its list: Spark is its provided scope.
mvn -q -B ${MAVEN_OFFLINE:-} -pl spark -am -DskipTests package dependency:list -DoutputAbsoluteArtifactFilename=true \
    -DoutputFile="$work/deps.txt" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
jar="$root/spark/target/flint-spark.jar"

# A stand-in SPARK_HOME: the Worker builds each executor's class path from $SPARK_HOME/jars.
mkdir -p "$work/spark-home/jars"
# (SLF4J's API too: module spark declares it itself, so it is not among the provided ones.)
grep -E ':provided:|org\.slf4j:slf4j-api:' "$work/deps.txt" | sed -E 's/.*:(provided|compile):([^ ]*).*/\2/' | while read -r j; do
    ln -sf "$j" "$work/spark-home/jars/"
done
ls "$work"/spark-home/jars/spark-core_2.13-*.jar >/dev/null 2>&1 || { say "no spark-core among $(wc -l <"$work/deps.txt") dependencies"; exit 1; }
export SPARK_HOME="$work/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
cp="$SPARK_HOME/jars/*"
# Spark's own JVM flags for Java 17 (org.apache.spark.launcher.JavaModuleOptions); its launcher scripts
# add them, and so must we, starting its classes with plain `java`.
flags=(-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector --add-opens=java.base/java.lang=ALL-UNNAMED
    --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
    --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
    -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
master="spark://127.0.0.1:$port"
say "master at $master"
java "${flags[@]}" -Xmx512m -cp "$cp" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
    --webui-port "$(free_port)" >"$work/master.log" 2>&1 &
pids+=($!)
for w in 1 2; do
    mkdir -p "$work/worker$w"
    java "${flags[@]}" -Xmx512m -cp "$cp" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 \
        --memory 1500m --webui-port "$(free_port)" --work-dir "$work/worker$w" "$master" >"$work/worker$w.log" 2>&1 &
    pids+=($!)
done
for i in $(seq 1 120); do
    [[ "$(grep -sc "Registering worker" "$work/master.log" || true)" -ge 2 ]] && break
    sleep 0.5
done
[[ "$(grep -sc "Registering worker" "$work/master.log" || true)" -ge 2 ]] || { cat "$work"/*.log; say "workers did not register"; exit 1; }
say "two workers registered"

train=(--model mlp --epochs 2 --train-subset 2000 --batch-size 64 --seed 7 --backend cpu --no-progress)
say "spark-submit to the cluster; rank 1's executor halts before step 5 of epoch 2"
start=$(date +%s)
timeout 600 java "${flags[@]}" -cp "$cp" org.apache.spark.deploy.SparkSubmit --master "$master" \
    --conf spark.flint.workers=2 --conf spark.flint.fault=1:1:5:halt --conf spark.driver.host=127.0.0.1 \
    --conf spark.executor.memory=1g --conf spark.ui.enabled=false \
    "$jar" "${train[@]}" --out "$work/cluster" >"$work/submit.log" 2>&1 || { cat "$work/submit.log"; say "the job failed"; exit 1; }
say "cluster run took $(( $(date +%s) - start )) s"
grep -E "^(spark:|epoch|test accuracy)" "$work/submit.log" || true
grep -q "injected fault: halting the executor of rank 1" "$work"/worker*/app-*/*/stderr \
    || { say "the fault was not injected"; exit 1; }
executors=$(ls -d "$work"/worker*/app-*/* | wc -l)
[[ "$executors" -ge 3 ]] || { say "expected a replacement executor (3 or more), found $executors"; exit 1; }
say "an executor died mid-epoch and Spark retried the stage on a new one ($executors executors in all)"
for f in model.safetensors history.csv learning-curves.png spark-checkpoint/checkpoint.safetensors; do
    [[ -s "$work/cluster/$f" ]] || { say "missing output $f"; exit 1; }
done

say "the same command in local[2] mode, for comparison"
timeout 600 java "${flags[@]}" -cp "$cp:$jar" -Dspark.driver.host=127.0.0.1 dev.flint.cli.Flint train --spark 'local[2]' \
    "${train[@]}" --out "$work/local" >"$work/local.log" 2>&1 || { cat "$work/local.log"; say "the local run failed"; exit 1; }
# The tensors, not the files: the metadata records the command's options, and --spark differs.
same_tensors() {
    python3 - "$1" "$2" <<'PY'
import json, struct, sys
def tensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    header.pop("__metadata__", None)
    data = b[8 + n:]
    return {k: (v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]]) for k, v in header.items()}
a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
sys.exit(0 if a == b and a else 1)
PY
}
if same_tensors "$work/cluster/model.safetensors" "$work/local/model.safetensors"; then
    say "OK: the cluster's model (with an executor killed mid-epoch) is bit-identical to the local[2] run's"
else
    say "FAILED: the cluster's model differs from the local[2] run's"
    exit 1
fi
