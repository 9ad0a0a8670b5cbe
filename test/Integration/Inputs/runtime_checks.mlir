// Functions whose sizes meet at run time: one per kind of run-time check
// (runtime_checks.test calls each with sizes that disagree).

// Keys and values with separately named lengths S and S2, and H query heads
// over Hkv key/value heads: S == S2 and H % Hkv == 0 with Hkv > 0.
func.func @attend(%q: tensor<1x?x?x4xf32> {recur.name = "q", recur.dim_names = ["T", "H"]},
                  %k: tensor<1x?x?x4xf32> {recur.name = "k", recur.dim_names = ["S", "Hkv"]},
                  %v: tensor<1x?x?x4xf32> {recur.name = "v", recur.dim_names = ["S2", "Hkv"]})
    -> (tensor<1x?x?x4xf32> {recur.name = "o", recur.dim_names = ["T", "H"]}) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %t = tensor.dim %q, %c1 : tensor<1x?x?x4xf32>
  %h = tensor.dim %q, %c2 : tensor<1x?x?x4xf32>
  %o_init = tensor.empty(%t, %h) : tensor<1x?x?x4xf32>
  %o = recur.attention
      ins(%q, %k, %v : tensor<1x?x?x4xf32>, tensor<1x?x?x4xf32>, tensor<1x?x?x4xf32>)
      outs(%o_init : tensor<1x?x?x4xf32>) causal
  return %o : tensor<1x?x?x4xf32>
}

// q has a static H = 4, v a dynamic one: the C argument H must be 4.
func.func @heads(%q: tensor<1x?x4x8xf32> {recur.name = "q"},
                 %v: tensor<1x?x?x8xf32> {recur.name = "v", recur.dim_names = ["T", "H"]},
                 %h0: tensor<1x4x8x8xf32> {recur.name = "h0"})
    -> (tensor<1x?x4x8xf32> {recur.name = "o"}, tensor<1x4x8x8xf32> {recur.name = "h_last"}) {
  %c1 = arith.constant 1 : index
  %t = tensor.dim %q, %c1 : tensor<1x?x4x8xf32>
  %o_init = tensor.empty(%t) : tensor<1x?x4x8xf32>
  %o, %s = recur.linear_attention
      ins(%q, %q, %v : tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x?x8xf32>)
      outs(%o_init, %h0 : tensor<1x?x4x8xf32>, tensor<1x4x8x8xf32>)
  return %o, %s : tensor<1x?x4x8xf32>, tensor<1x4x8x8xf32>
}

// The convolution state has its own row count R, which must be W - 1.
func.func @conv(%x: tensor<1x?x8xf32> {recur.name = "x"},
                %w: tensor<8x?xf32> {recur.name = "w", recur.dim_names = ["W"]},
                %s0: tensor<1x?x8xf32> {recur.name = "s0", recur.dim_names = ["R"]})
    -> (tensor<1x?x8xf32> {recur.name = "y"}, tensor<1x?x8xf32> {recur.name = "s", recur.dim_names = ["R"]}) {
  %c1 = arith.constant 1 : index
  %t = tensor.dim %x, %c1 : tensor<1x?x8xf32>
  %y_init = tensor.empty(%t) : tensor<1x?x8xf32>
  %y, %s = recur.conv1d ins(%x, %w : tensor<1x?x8xf32>, tensor<8x?xf32>)
      outs(%y_init, %s0 : tensor<1x?x8xf32>, tensor<1x?x8xf32>) activation silu
  return %y, %s : tensor<1x?x8xf32>, tensor<1x?x8xf32>
}

// D channels in G groups: D % G == 0 with G > 0.
func.func @groups(%u: tensor<1x?x?xf32> {recur.name = "u", recur.dim_names = ["T", "D"]},
                  %A: tensor<?x4xf32> {recur.name = "A", recur.dim_names = ["D"]},
                  %Bm: tensor<1x?x?x4xf32> {recur.name = "Bm", recur.dim_names = ["T", "G"]},
                  %h0: tensor<1x?x4xf32> {recur.name = "h0", recur.dim_names = ["D"]})
    -> (tensor<1x?x?xf32> {recur.name = "y", recur.dim_names = ["T", "D"]}) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %t = tensor.dim %u, %c1 : tensor<1x?x?xf32>
  %d = tensor.dim %u, %c2 : tensor<1x?x?xf32>
  %y_init = tensor.empty(%t, %d) : tensor<1x?x?xf32>
  %y, %h = recur.selective_scan
      ins(%u, %u, %A, %Bm, %Bm : tensor<1x?x?xf32>, tensor<1x?x?xf32>, tensor<?x4xf32>, tensor<1x?x?x4xf32>, tensor<1x?x?x4xf32>)
      outs(%y_init, %h0 : tensor<1x?x?xf32>, tensor<1x?x4xf32>)
  return %y : tensor<1x?x?xf32>
}

// The output's length T2 is not fixed by the inputs (of length T).
func.func @scan(%a: tensor<1x?x8xf32> {recur.name = "a"})
    -> (tensor<1x?x8xf32> {recur.name = "h", recur.dim_names = ["T2"]}) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %a, %c1 : tensor<1x?x8xf32>
  %h_init = tensor.empty(%t) : tensor<1x?x8xf32>
  %empty = tensor.empty() : tensor<1x8xf32>
  %h0 = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h, %last = recur.scan ins(%a, %a : tensor<1x?x8xf32>, tensor<1x?x8xf32>)
      outs(%h_init, %h0 : tensor<1x?x8xf32>, tensor<1x8xf32>)
  return %h : tensor<1x?x8xf32>
}

// An expand_shape splits N rows into [1, T]: N must be T.
func.func @split(%x: tensor<?x8xf32> {recur.name = "x", recur.dim_names = ["N"]},
                 %h: tensor<?xf32> {recur.name = "h", recur.dim_names = ["T"]})
    -> (tensor<1x?x8xf32> {recur.name = "y", recur.dim_names = ["T"]}) {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %h, %c0 : tensor<?xf32>
  %y = tensor.expand_shape %x [[0, 1], [2]] output_shape [1, %t, 8]
      : tensor<?x8xf32> into tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}

// y = 2 x: a call with N = 2^40 and Z = 0 has empty buffers only, and
// returns at once instead of looping over 2^40 empty rows.
#rows = affine_map<(d0, d1) -> (d0, d1)>
func.func @twice(%x: tensor<?x?xf32> {recur.name = "x", recur.dim_names = ["N", "Z"]})
    -> (tensor<?x?xf32> {recur.name = "y", recur.dim_names = ["N", "Z"]}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %z = tensor.dim %x, %c1 : tensor<?x?xf32>
  %y_init = tensor.empty(%n, %z) : tensor<?x?xf32>
  %y = linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x?xf32>) outs(%y_init : tensor<?x?xf32>) {
    ^bb0(%in: f32, %out: f32):
      %d = arith.mulf %in, %two : f32
      linalg.yield %d : f32
  } -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
