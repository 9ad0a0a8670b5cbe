// Temporaries of run-time size whose byte count would wrap around 2^64.
// x has zero bytes in every failing call (Z = 0), so every documented
// check of the arguments passes.

// The sum of x through a temporary [N] of row sums: its size follows from
// the arguments' sizes, so the entry checks reject N >= 2^61.
func.func @rowsum(%x: tensor<?x?xf32> {recur.name = "x", recur.dim_names = ["N", "Z"]})
    -> (tensor<f32> {recur.name = "total"}) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %rows_init = tensor.empty(%n) : tensor<?xf32>
  %rows_zero = linalg.fill ins(%zero : f32) outs(%rows_init : tensor<?xf32>) -> tensor<?xf32>
  %rows = linalg.reduce ins(%x : tensor<?x?xf32>) outs(%rows_zero : tensor<?xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %total_init = tensor.empty() : tensor<f32>
  %total_zero = linalg.fill ins(%zero : f32) outs(%total_init : tensor<f32>) -> tensor<f32>
  %total = linalg.reduce ins(%rows : tensor<?xf32>) outs(%total_zero : tensor<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return %total : tensor<f32>
}

// N * N ones, summed: the temporary's size is computed inside the
// function, so the allocation itself checks its byte count.
func.func @squares(%x: tensor<?x?xf32> {recur.name = "x", recur.dim_names = ["N", "Z"]})
    -> (tensor<f32> {recur.name = "total"}) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %nn = arith.muli %n, %n : index
  %ones_init = tensor.empty(%nn) : tensor<?xf32>
  %ones = linalg.fill ins(%one : f32) outs(%ones_init : tensor<?xf32>) -> tensor<?xf32>
  %total_init = tensor.empty() : tensor<f32>
  %total_zero = linalg.fill ins(%zero : f32) outs(%total_init : tensor<f32>) -> tensor<f32>
  %total = linalg.reduce ins(%ones : tensor<?xf32>) outs(%total_zero : tensor<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return %total : tensor<f32>
}
