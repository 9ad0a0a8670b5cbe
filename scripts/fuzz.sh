#!/usr/bin/env bash
# Fuzzes recur's front end and pipeline with libFuzzer for N minutes
# (default 10): builds tools/recur-fuzz with ASan and coverage in
# build-fuzz/, seeds the corpus with every lit test and example (split at
# "// -----"), and runs it with the dialect's dictionary (fuzz/recur.dict).
# It runs in fork mode and goes on after a crash: crashing inputs land in
# build-fuzz/crashes/ (triage them: a crash in upstream MLIR is reported
# there too); the corpus grows in build-fuzz/corpus/ across runs. Not part
# of CI.
#   bash scripts/fuzz.sh [minutes] [extra libFuzzer flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes="${1:-10}"
shift || true
bash "$root/scripts/setup.sh"
build="$root/build-fuzz"
BUILD_DIR="$build" RECUR_CMAKE_ARGS=-DRECUR_ENABLE_FUZZER=ON \
  bash "$root/scripts/build.sh" recur-fuzz >/dev/null

corpus="$build/corpus"
mkdir -p "$corpus" "$build/crashes"
/usr/bin/python3 - "$root" "$corpus" <<'PY'
import hashlib, pathlib, sys
root, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for path in sorted(list(root.glob("test/**/*.mlir")) + list(root.glob("examples/*.mlir"))):
    if "upstream-parser-crash" in path.name:  # a known upstream crash
        continue
    for chunk in path.read_text().split("// -----"):
        name = hashlib.sha1(chunk.encode()).hexdigest()
        (corpus / name).write_text(chunk)
PY
echo "fuzz: $(ls "$corpus" | wc -l) inputs in the corpus, running ${minutes} min"
# detect_leaks=0: a model that fails midway leaks MLIR objects, which is no
# bug of the input's handling. allow_user_poisoning=0: LLVM's allocator
# poisons memory in recur's instrumented code that Debian's uninstrumented
# libMLIR then uses (false "use-after-poison" reports).
ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 "$build/bin/recur-fuzz" "$corpus" \
  -dict="$root/fuzz/recur.dict" -max_total_time=$((minutes * 60)) \
  -max_len=16384 -timeout=60 -rss_limit_mb=6144 -print_final_stats=1 \
  -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -artifact_prefix="$build/crashes/" "$@"
