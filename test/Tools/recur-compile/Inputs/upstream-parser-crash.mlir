// Found by fuzzing: upstream's linalg.transpose parser goes on after its own
// error ("expected '['") and crashes.
func.func @f(%x: tensor<2x4xf32>) -> tensor<4x2xf32> {
  %init = tensor.empty() : tensor<4x2xf32>
  %xt = linalg.transpose ins(%x : tensor<2x4xf32>) outs(%init : tensor<4x2xf32>) permutation ==[1, 0]
  return %xt : tensor<4x2xf32>
}
