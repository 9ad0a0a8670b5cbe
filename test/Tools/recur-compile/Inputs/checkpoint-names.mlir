func.func @scale(%x: tensor<?x?x4xf32> {recur.name = "x"},
                 %w: tensor<4xf32> {recur.name = "norm_weight", recur.checkpoint_name = "layers.0.norm.weight"})
    -> (tensor<?x?x4xf32> {recur.name = "y"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x4xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x4xf32>
  %init = tensor.empty(%b, %t) : tensor<?x?x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>,
                                        affine_map<(i, j, k) -> (k)>,
                                        affine_map<(i, j, k) -> (i, j, k)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %w : tensor<?x?x4xf32>, tensor<4xf32>) outs(%init : tensor<?x?x4xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
