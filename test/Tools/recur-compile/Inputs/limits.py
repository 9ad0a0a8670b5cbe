"""Generates adversarial descriptions and checks recur-compile's answer to
each; run by ../limits.test."""

import os
import resource
import subprocess
import sys
import time

WORK = sys.argv[1]
COMPILE = os.environ["RECUR_COMPILE"]
SECONDS = 60
BYTES = 2 << 30
failures = []


# AddressSanitizer reserves terabytes of address space for its shadow
# memory: the sanitizer build (scripts/sanitize.sh) keeps the time limit
# only.
SANITIZED = "-fsanitize=address" in os.environ.get("RECUR_RUNTIME_LDFLAGS", "")


def limit():
    if not SANITIZED:
        resource.setrlimit(resource.RLIMIT_AS, (BYTES, BYTES))


def compile_text(name, text, *options):
    """Compiles `text`; returns (exit status, stderr, seconds)."""
    path = os.path.join(WORK, name + ".mlir")
    with open(path, "w") as f:
        f.write(text)
    start = time.monotonic()
    try:
        out = subprocess.run(
            [COMPILE, path, "-o", os.path.join(WORK, name + ".o"),
             "--openmp=false", *options],
            capture_output=True, text=True, timeout=SECONDS,
            preexec_fn=limit, env={**os.environ, "OMP_NUM_THREADS": "1"})
    except subprocess.TimeoutExpired:
        return None, "", SECONDS
    return out.returncode, out.stderr, time.monotonic() - start


def expect(name, text, status, message=None, *options):
    code, err, seconds = compile_text(name, text, *options)
    lines = err.strip().splitlines()
    ok = code == status and (message is None or (
        lines and message in lines[0] and "Stack dump" not in err))
    verdict = "ok" if ok else "FAIL"
    print(f"{verdict} {name}: exit {code} in {seconds:.1f} s: "
          f"{lines[0] if lines else ''}")
    if not ok:
        failures.append(name)


FUNCTION = """func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {{
  {body}
  return %x : tensor<4xf32>
}}
"""

# Affine expressions: one parser stack frame per operator.
expect("unary_minus",
       "#map = affine_map<(d0) -> (" + "- " * 10000 + "d0)>\n" +
       FUNCTION.format(body=""), 1,
       "unary_minus.mlir:1:")
expect("terms", "#map = affine_map<(d0) -> (" +
       " + ".join(["d0"] * 100000) + ")>\n" + FUNCTION.format(body=""), 1,
       "an expression chains more than 1000 operators")
# Parenthesized pieces do not reset the chain of the expression around them.
expect("parenthesized_terms", "#map = affine_map<(d0) -> (" +
       " + ".join(["(d0)"] * 100000) + ")>\n" + FUNCTION.format(body=""), 1,
       "an expression chains more than 1000 operators")
expect("nested_chains", "#map = affine_map<(d0) -> (" +
       "d0 + d0 + d0 + (" * 400 + "d0" + ")" * 400 + ")>\n" +
       FUNCTION.format(body=""), 1,
       "an expression chains more than 1000 operators")
# A normal model has short chains: a map with a few terms compiles.
expect("short_chain", "#map = affine_map<(d0) -> (d0 * 2 + d0 floordiv 3 - "
       "1)>\n" + FUNCTION.format(body="%c = arith.constant -1.0 : f32"), 0)

# A location DAG of 60 levels, each naming the one below twice, prints as
# 2^60 locations: rejected at its file position before any diagnostic (here
# a verifier error) prints it. (Fused locations drop duplicates, so the two
# uses of each level go through names.)
aliases = ['#loc0 = loc("model.py":7:3)']
for i in range(1, 61):
    aliases += [f'#a{i} = loc("a"(#loc{i - 1}))',
                f'#b{i} = loc("b"(#loc{i - 1}))',
                f"#loc{i} = loc(fused[#a{i}, #b{i}])"]
dag_op = "%c = arith.constant 1.0 : f64 loc(#loc60)"
bad_op = "%c = tensor.empty() : tensor<?xf32> loc(#loc60)"
expect("location_dag", FUNCTION.format(body=dag_op) + "\n".join(aliases) +
       "\n", 1, "model.py:7:3: error: the location of a 'arith.constant'")
expect("location_dag_invalid", FUNCTION.format(body=bad_op) +
       "\n".join(aliases) + "\n", 1,
       "model.py:7:3: error: the location of a 'tensor.empty'")
# Below the limit, a location DAG is fine: 7 levels print 509 locations.
expect("location_dag_small", FUNCTION.format(
    body=dag_op.replace("#loc60", "#loc7")) + "\n".join(aliases) + "\n", 0)

# A function of more than 100,000 ops.
ops = "\n  ".join(f"%c{i} = arith.constant {i}.0 : f32"
                  for i in range(100001))
expect("long_function", FUNCTION.format(body=ops), 1,
       "this function has 100003 ops, more than the 100000")


def conv(width, channels=4):
    x = f"tensor<?x?x{channels}xf32>"
    s = f"tensor<?x{width - 1}x{channels}xf32>"
    w = f"tensor<{channels}x{width}xf32>"
    return f"""func.func @conv(%x: {x}, %w: {w}, %s: {s}) -> ({x}, {s}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : {x}
  %t = tensor.dim %x, %c1 : {x}
  %y0 = tensor.empty(%b, %t) : {x}
  %y, %s1 = recur.conv1d ins(%x, %w : {x}, {w}) outs(%y0, %s : {x}, {s})
  return %y, %s1 : {x}, {s}
}}
"""


# Static conv widths beyond the unrolled chunked form's.
expect("conv_1024", conv(1024), 0)
expect("conv_2_31", conv(2**31), 0)

# A long chain of elementwise ops: fused into one op before bufferization,
# whose analysis is superlinear in an in-place chain (1,000 ops took over
# 120 s before). (A chain of the description's own linalg.generic ops,
# which recur-vectorize tiles before that, is not fused: still slow.)
chain = ["%v0 = arith.addf %x, %x : tensor<64x4xf32>"]
chain += [f"%v{i} = arith.mulf %v{i - 1}, %x : tensor<64x4xf32>"
          for i in range(1, 1000)]
expect("chain_1000", "func.func @f(%x: tensor<64x4xf32>) -> "
       "tensor<64x4xf32> {\n  " + "\n  ".join(chain) +
       "\n  return %v999 : tensor<64x4xf32>\n}\n", 0)
if failures:
    sys.exit(f"FAIL: {', '.join(failures)}")
print("limits: OK")
