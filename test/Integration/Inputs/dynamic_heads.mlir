func.func @attend(%q: tensor<1x1x?x4xf32> {recur.name = "q", recur.dim_names = ["H"]},
                  %k: tensor<1x2x?x4xf32> {recur.name = "k", recur.dim_names = ["Hkv"]},
                  %v: tensor<1x2x?x4xf32> {recur.name = "v", recur.dim_names = ["Hkv"]})
    -> (tensor<1x1x?x4xf32> {recur.name = "o", recur.dim_names = ["H"]}) {
  %c2 = arith.constant 2 : index
  %heads = tensor.dim %q, %c2 : tensor<1x1x?x4xf32>
  %o_init = tensor.empty(%heads) : tensor<1x1x?x4xf32>
  %o = recur.attention
      ins(%q, %k, %v : tensor<1x1x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>)
      outs(%o_init : tensor<1x1x?x4xf32>) causal
  return %o : tensor<1x1x?x4xf32>
}
