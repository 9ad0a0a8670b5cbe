#!/usr/bin/env bash
# Fuzzes with libFuzzer for N minutes (default 10), in build-fuzz/ (ASan and
# coverage):
#   - by default recur's front end and pipeline (tools/recur-fuzz), the
#     corpus seeded with every lit test and example (split at "// -----"),
#     with the dialect's dictionary (fuzz/recur.dict);
#   - with --safetensors the runtime's safetensors reader
#     (tools/recur-fuzz-safetensors), the corpus seeded with
#     files python/recur/safetensors.py writes, with fuzz/safetensors.dict.
# It runs in fork mode and goes on after a crash: crashing inputs land in
# build-fuzz/crashes/ (triage them: a crash in upstream MLIR is reported
# there too); the corpus grows in build-fuzz/corpus[-safetensors]/ across
# runs. Not part of CI.
#   bash scripts/fuzz.sh [--safetensors] [minutes] [extra libFuzzer flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target=recur-fuzz
if [ "${1:-}" = "--safetensors" ]; then
  target=recur-fuzz-safetensors
  shift
fi
minutes="${1:-10}"
shift || true
bash "$root/scripts/setup.sh"
build="$root/build-fuzz"
BUILD_DIR="$build" RECUR_CMAKE_ARGS=-DRECUR_ENABLE_FUZZER=ON \
  bash "$root/scripts/build.sh" "$target" >/dev/null

if [ "$target" = recur-fuzz ]; then
  corpus="$build/corpus"
  dict="$root/fuzz/recur.dict"
  max_len=16384
else
  corpus="$build/corpus-safetensors"
  dict="$root/fuzz/safetensors.dict"
  max_len=4096
fi
mkdir -p "$corpus" "$build/crashes"
PYTHONPATH="$root/python" /usr/bin/python3 - "$root" "$corpus" "$target" <<'PY'
import hashlib, os, pathlib, sys
root, corpus, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
if target == "recur-fuzz":
    for path in sorted(list(root.glob("test/**/*.mlir")) + list(root.glob("examples/*.mlir"))):
        if "upstream-parser-crash" in path.name:  # a known upstream crash
            continue
        for chunk in path.read_text().split("// -----"):
            name = hashlib.sha1(chunk.encode()).hexdigest()
            (corpus / name).write_text(chunk)
else:
    import numpy as np
    from recur import safetensors
    seeds = {
        "weights": ({"in_proj.weight": np.ones((4, 3)), "A_log": np.zeros(2),
                     "D": np.float32(1)}, {"A_log": "f16", "D": "bf16"}),
        "empty": ({}, {}),
        "names": ({"\u00fc\u221a": np.ones(1), "z": np.zeros((0, 2))}, {}),
    }
    for name, (tensors, dtypes) in seeds.items():
        safetensors.save(str(corpus / name), tensors, dtypes,
                         metadata={"format": "pt"})
PY
echo "fuzz: $(ls "$corpus" | wc -l) inputs in the corpus, running ${minutes} min"
# For the front end, detect_leaks=0: a model that fails midway leaks MLIR
# objects, which is no bug of the input's handling; allow_user_poisoning=0:
# LLVM's allocator poisons memory in recur's instrumented code that
# Debian's uninstrumented libMLIR then uses (false "use-after-poison"
# reports). The safetensors reader is checked for leaks too.
asan=detect_leaks=0:allow_user_poisoning=0
[ "$target" = recur-fuzz ] || asan=detect_leaks=1
ASAN_OPTIONS=$asan "$build/bin/$target" "$corpus" \
  -dict="$dict" -max_total_time=$((minutes * 60)) \
  -max_len=$max_len -timeout=60 -rss_limit_mb=6144 -print_final_stats=1 \
  -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -artifact_prefix="$build/crashes/" "$@"
