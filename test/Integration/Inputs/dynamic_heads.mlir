func.func @attend(%q: tensor<1x1x?x4xf32> {recur.name = "q", recur.dim_names = ["H"]},
                  %k: tensor<1x2x?x4xf32> {recur.name = "k", recur.dim_names = ["Hkv"]},
                  %v: tensor<1x2x?x4xf32> {recur.name = "v", recur.dim_names = ["Hkv"]})
    -> (tensor<1x1x?x4xf32> {recur.name = "o", recur.dim_names = ["H"]}) {
  %o = recur.attention %q, %k, %v causal
      : (tensor<1x1x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x1x?x4xf32>
  return %o : tensor<1x1x?x4xf32>
}
