func.func @f(%a: tensor<2x4x8xf32>, %b: tensor<2x5x8xf32>, %h_init: tensor<2x4x8xf32>, %s_init: tensor<2x8xf32>) -> tensor<2x4x8xf32> {
  %h, %s = recur.scan ins(%a, %b : tensor<2x4x8xf32>, tensor<2x5x8xf32>) outs(%h_init, %s_init : tensor<2x4x8xf32>, tensor<2x8xf32>)
  return %h : tensor<2x4x8xf32>
}
