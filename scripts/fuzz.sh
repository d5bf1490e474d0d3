#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for SECONDS (default 60)
# from the committed seed corpus. New inputs go to build/fuzz/corpus/<target>/; a crash
# leaves build/fuzz/crash-* and a non-zero exit. Not part of the test command (it is timed).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
bash scripts/setup.sh
command -v clang++ > /dev/null || { echo "fuzz: needs clang (apt install clang libclang-rt-14-dev)"; exit 2; }
cmake --preset fuzz > /dev/null
cmake --build --preset fuzz
declare -A corpus=([fuzz_spec]=spec [fuzz_model_json]=model_json [fuzz_csv]=csv [fuzz_checkpoint]=checkpoint
                   [fuzz_formula]=formula [fuzz_number]=number)
status=0
for target in fuzz_spec fuzz_model_json fuzz_csv fuzz_checkpoint fuzz_formula fuzz_number; do
  work=build/fuzz/corpus/$target
  mkdir -p "$work"
  log=build/fuzz/$target.log
  if ! "build/fuzz/fuzz/$target" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix=build/fuzz/ "$work" "fuzz/corpus/${corpus[$target]}" > "$log" 2>&1; then
    status=1
    echo "$target: FAILED (see $log)"
  fi
  echo "$target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -1)"
done
exit $status
