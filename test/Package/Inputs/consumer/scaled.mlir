// y = x * w per row, with w a weight named in a checkpoint.
func.func @scaled(%x: tensor<?x4xf32> {recur.name = "x", recur.dim_names = ["B"]},
                  %w: tensor<4xf32> {recur.name = "w", recur.checkpoint_name = "layers.0.w"})
    -> (tensor<?x4xf32> {recur.name = "y", recur.dim_names = ["B"]}) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %w : tensor<?x4xf32>, tensor<4xf32>) outs(%init : tensor<?x4xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
