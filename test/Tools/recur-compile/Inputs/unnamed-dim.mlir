func.func @f(%a: tensor<2x3x?xf32>) -> tensor<2x3x?xf32> {
  return %a : tensor<2x3x?xf32>
}
