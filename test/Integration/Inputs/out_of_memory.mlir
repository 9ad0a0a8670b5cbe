// y = (x x^T) x: the temporary x x^T has T * T elements.
func.func @gram(%x: tensor<?x4xf32> {recur.name = "x", recur.dim_names = ["T"]})
    -> (tensor<?x4xf32> {recur.name = "y", recur.dim_names = ["T"]}) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x4xf32>
  %xt_init = tensor.empty(%t) : tensor<4x?xf32>
  %xt = linalg.transpose ins(%x : tensor<?x4xf32>) outs(%xt_init : tensor<4x?xf32>) permutation = [1, 0]
  %s_init = tensor.empty(%t, %t) : tensor<?x?xf32>
  %s_zero = linalg.fill ins(%zero : f32) outs(%s_init : tensor<?x?xf32>) -> tensor<?x?xf32>
  %s = linalg.matmul ins(%x, %xt : tensor<?x4xf32>, tensor<4x?xf32>) outs(%s_zero : tensor<?x?xf32>) -> tensor<?x?xf32>
  %y_init = tensor.empty(%t) : tensor<?x4xf32>
  %y_zero = linalg.fill ins(%zero : f32) outs(%y_init : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y = linalg.matmul ins(%s, %x : tensor<?x?xf32>, tensor<?x4xf32>) outs(%y_zero : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
