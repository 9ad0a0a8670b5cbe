func.func @step(%a: tensor<?x?x8xf32> {recur.name = "a"},
                %b: tensor<?x?x8xf32> {recur.name = "b"})
    -> (tensor<?x?x8xf32> {recur.name = "h"},
        tensor<?x8xf32> {recur.name = "h_last"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %batch = tensor.dim %a, %c0 : tensor<?x?x8xf32>
  %time = tensor.dim %a, %c1 : tensor<?x?x8xf32>
  %h_init = tensor.empty(%batch, %time) : tensor<?x?x8xf32>
  %empty = tensor.empty(%batch) : tensor<?x8xf32>
  %h0 = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x8xf32>) -> tensor<?x8xf32>
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x8xf32>, tensor<?x?x8xf32>)
      outs(%h_init, %h0 : tensor<?x?x8xf32>, tensor<?x8xf32>)
  return %h, %last : tensor<?x?x8xf32>, tensor<?x8xf32>
}
