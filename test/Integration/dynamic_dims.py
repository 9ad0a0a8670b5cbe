# The chunked forms with every dimension dynamic (batch, time, heads, head
# sizes, a GQA group size known only at run time), against the float64
# references: linear attention with a key gate (tiles of [C, ?]) and causal
# grouped-query attention (query blocks of ? rows).
#
# RUN: rm -rf %t && %python %s %t

import sys

from recur import reference
from recur.runner import compile_module
from recur.testing import Inputs, check

DYN4 = "tensor<?x?x?x?xf32>"
MODEL = f"""
func.func @la(%q: {DYN4} {{recur.dim_names = ["B", "T", "H", "K"]}},
              %k: {DYN4} {{recur.dim_names = ["B", "T", "H", "K"]}},
              %v: {DYN4} {{recur.dim_names = ["B", "T", "H", "V"]}},
              %g: {DYN4} {{recur.dim_names = ["B", "T", "H", "K"]}})
    -> ({DYN4} {{recur.dim_names = ["B", "T", "H", "V"]}},
        {DYN4} {{recur.dim_names = ["B", "H", "K", "V"]}}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  %B = tensor.dim %q, %c0 : {DYN4}
  %T = tensor.dim %q, %c1 : {DYN4}
  %H = tensor.dim %q, %c2 : {DYN4}
  %K = tensor.dim %q, %c3 : {DYN4}
  %V = tensor.dim %v, %c3 : {DYN4}
  %o_init = tensor.empty(%B, %T, %H, %V) : {DYN4}
  %s_empty = tensor.empty(%B, %H, %K, %V) : {DYN4}
  %s0 = linalg.fill ins(%zero : f32) outs(%s_empty : {DYN4}) -> {DYN4}
  %o, %s = recur.linear_attention ins(%q, %k, %v : {DYN4}, {DYN4}, {DYN4})
      gate key(%g : {DYN4}) outs(%o_init, %s0 : {DYN4}, {DYN4})
      {{scale = 0.25 : f32}}
  return %o, %s : {DYN4}, {DYN4}
}}
func.func @att(%q: {DYN4} {{recur.dim_names = ["B", "T", "H", "D"]}},
               %k: {DYN4} {{recur.dim_names = ["B", "S", "G", "D"]}},
               %v: {DYN4} {{recur.dim_names = ["B", "S", "G", "E"]}})
    -> ({DYN4} {{recur.dim_names = ["B", "T", "H", "E"]}}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %B = tensor.dim %q, %c0 : {DYN4}
  %T = tensor.dim %q, %c1 : {DYN4}
  %H = tensor.dim %q, %c2 : {DYN4}
  %E = tensor.dim %v, %c3 : {DYN4}
  %o_init = tensor.empty(%B, %T, %H, %E) : {DYN4}
  %o = recur.attention ins(%q, %k, %v : {DYN4}, {DYN4}, {DYN4})
      outs(%o_init : {DYN4}) causal {{scale = 0.25 : f32}}
  return %o : {DYN4}
}}
"""


def main(workdir: str) -> None:
    model = compile_module(MODEL, workdir, options=["--chunk-size=16"])
    rand = Inputs(seed=2)
    B, T, H, K, V = 2, 37, 3, 12, 20
    inputs = {"arg0": rand.normal((B, T, H, K)),
              "arg1": rand.normal((B, T, H, K)),
              "arg2": rand.normal((B, T, H, V)),
              "arg3": rand.log_decay((B, T, H, K))}
    out = model.run("la", inputs, {"B": B, "T": T, "H": H, "K": K, "V": V})
    o, state = reference.linear_attention(
        inputs["arg0"], inputs["arg1"], inputs["arg2"], g=inputs["arg3"],
        gate_kind="key", scale=0.25)
    check("la.o", out["result0"], o, "f32")
    check("la.h_last", out["result1"], state, "f32")

    heads, groups, D, E, S = 6, 2, 8, 5, 45
    inputs = {"arg0": rand.normal((B, T, heads, D)),
              "arg1": rand.normal((B, S, groups, D)),
              "arg2": rand.normal((B, S, groups, E))}
    out = model.run("att", inputs, {"B": B, "T": T, "H": heads, "D": D,
                                    "S": S, "G": groups, "E": E})
    check("att.o", out["result0"],
          reference.attention(inputs["arg0"], inputs["arg1"], inputs["arg2"],
                              causal=True, scale=0.25), "f32")


if __name__ == "__main__":
    main(sys.argv[1])
