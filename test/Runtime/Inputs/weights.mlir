// Weights of three dtypes for test/Runtime/load_weights.py; the bf16
// weight's checkpoint name needs escaping in C; %e is stacked from three
// tensors (a mixture's experts: "*" is the index along dimension 0).
func.func @model(%x: tensor<?x4xf32> {recur.name = "x", recur.dim_names = ["B"]},
                 %w: tensor<4xf32> {recur.name = "w", recur.checkpoint_name = "layers.0.w"},
                 %h: tensor<2x3xf16> {recur.name = "h", recur.checkpoint_name = "layers.0.h"},
                 %b: tensor<7xbf16> {recur.name = "b", recur.checkpoint_name = "odd \22name\22 \\ ??="},
                 %e: tensor<3x2xbf16> {recur.name = "e", recur.checkpoint_name = "layers.0.experts.*.w"})
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
