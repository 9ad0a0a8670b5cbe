module attributes {recur.c_interface = {dims = [], buffers = []}} {
  func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
    return %a : tensor<4xf32>
  }
}
