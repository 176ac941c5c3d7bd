#!/usr/bin/env bash
# Long fuzzing campaigns of the file readers (Jazzer), outside the default build.
#
#   scripts/fuzz.sh                 # every target, one million inputs each (CAMPAIGN_INPUTS in the tests)
#   scripts/fuzz.sh IdxFuzzTest#readLabels
#
# `mvn verify` only replays the committed corpus (data/src/test/resources/**/*FuzzTestInputs/). Here
# JAZZER_FUZZ=1 makes each @FuzzTest fuzz; Jazzer fuzzes one target per JVM, so each gets its own run.
# The corpus a run grows stays in data/.cifuzz-corpus/ (ignored by git); an input that fails is written
# into the target's FuzzTestInputs folder, where every later build replays it. A summary line per target
# (inputs, seconds, findings) goes to stdout; the full Jazzer log to data/target-fuzz/fuzz-<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(SafeTensorsFuzzTest#readHost IdxFuzzTest#readImages IdxFuzzTest#readLabels IdxFuzzTest#readGzipped)
fi

# A build folder of its own (-Dflint.target), so a campaign and an edit-compile loop in the same
# checkout do not clobber each other's classes. Only Flint's classes are instrumented (Jazzer's default,
# the class folders): its comparison hooks allocate, which would blur the allocation check if Jackson
# were instrumented too; a dictionary of the header's words steers mutations into JSON instead.
build=(-o -B -pl data -am -Dflint.target=target-fuzz -Dmaven.javadoc.skip=true -Dmaven.source.skip=true)
mvn -q "${build[@]}" test-compile
mkdir -p data/target-fuzz
status=0
for t in "${targets[@]}"; do
    log="data/target-fuzz/fuzz-${t/\#/-}.log"
    start=$(date +%s)
    if JAZZER_FUZZ=1 mvn "${build[@]}" test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
            > "$log" 2>&1; then
        result=passed
    else
        result=FAILED
        status=1
    fi
    seconds=$(( $(date +%s) - start ))
    # libFuzzer's last status line: "#1000000 DONE cov: ... exec/s: ..."
    done_line=$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
    echo "$t: $result in ${seconds}s; ${done_line:-no DONE line (see $log)}"
done
exit $status
