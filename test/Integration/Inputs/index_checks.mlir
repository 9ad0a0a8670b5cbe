// Indices and sizes a description's own code uses: a linalg op's shared
// sizes are checked at the entry, indices and slice bounds where they are
// used.
func.func @pick(%x: tensor<?xf32> {recur.name = "x", recur.dim_names = ["N"]},
                %y: tensor<?xf32> {recur.name = "y", recur.dim_names = ["M"]})
    -> (tensor<1xf32> {recur.name = "out"}) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %y, %c0 : tensor<?xf32>
  %v = tensor.extract %x[%m] : tensor<?xf32>
  %r = tensor.from_elements %v : tensor<1xf32>
  return %r : tensor<1xf32>
}
func.func @put(%x: tensor<?xf32> {recur.name = "x", recur.dim_names = ["N"]},
               %y: tensor<?xf32> {recur.name = "y", recur.dim_names = ["M"]})
    -> (tensor<?xf32> {recur.name = "out", recur.dim_names = ["N"]}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %m = tensor.dim %y, %c0 : tensor<?xf32>
  %r = tensor.insert %one into %x[%m] : tensor<?xf32>
  return %r : tensor<?xf32>
}
func.func @window(%x: tensor<?xf32> {recur.name = "x", recur.dim_names = ["N"]},
                  %y: tensor<?xf32> {recur.name = "y", recur.dim_names = ["M"]})
    -> (tensor<4xf32> {recur.name = "out"}) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %y, %c0 : tensor<?xf32>
  %w = tensor.extract_slice %x[%m] [4] [1] : tensor<?xf32> to tensor<4xf32>
  return %w : tensor<4xf32>
}
func.func @add(%a: tensor<?xf32> {recur.name = "a", recur.dim_names = ["N"]},
               %b: tensor<?xf32> {recur.name = "b", recur.dim_names = ["M"]})
    -> (tensor<?xf32> {recur.name = "out", recur.dim_names = ["N"]}) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.add ins(%a, %b : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// y[i] = x[i + 1]: an index map the entry cannot check, checked where the
// op runs.
#shifted = affine_map<(d0) -> (d0 + 1)>
#same = affine_map<(d0) -> (d0)>
func.func @shift(%x: tensor<?xf32> {recur.name = "x", recur.dim_names = ["N"]},
                 %y: tensor<?xf32> {recur.name = "y", recur.dim_names = ["M"]})
    -> (tensor<?xf32> {recur.name = "out", recur.dim_names = ["M"]}) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %y, %c0 : tensor<?xf32>
  %e = tensor.empty(%m) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [#shifted, #same], iterator_types = ["parallel"]}
      ins(%x : tensor<?xf32>) outs(%e : tensor<?xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// A private function that an exported one calls and keeps (no_inline: a
// whole model's layer) checks its own indices where it uses them.
func.func private @fetch_inner(%x: tensor<?xf32>, %i: index) -> tensor<1xf32> {
  %v = tensor.extract %x[%i] : tensor<?xf32>
  %r = tensor.from_elements %v : tensor<1xf32>
  return %r : tensor<1xf32>
}
func.func @fetch(%x: tensor<?xf32> {recur.name = "x", recur.dim_names = ["N"]},
                     %y: tensor<?xf32> {recur.name = "y", recur.dim_names = ["M"]})
    -> (tensor<1xf32> {recur.name = "out"}) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %y, %c0 : tensor<?xf32>
  %r = func.call @fetch_inner(%x, %m) {no_inline} : (tensor<?xf32>, index) -> tensor<1xf32>
  return %r : tensor<1xf32>
}
