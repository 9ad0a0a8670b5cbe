// A gated linear attention (GLA) token mixer, as in Yang et al. 2024:
// projections, a log-sigmoid key gate, the recurrence, and the output
// projection, in one function. recur-compile exports it as
//
//   void gla_mixer(int64_t B, int64_t T, const float *x, const float *w_q,
//                  const float *w_k, const float *w_v, const float *w_g,
//                  const float *w_o, const float *h0, float *y, float *h_last);
//
// Shapes: C = 128 channels, H = 4 heads of K = V = 32.

#map = affine_map<(d0, d1) -> (d0, d1)>

// [N, 128] x [128, 128] -> [N, 128]
func.func private @project(%x: tensor<?x128xf32>, %w: tensor<128x128xf32>)
    -> tensor<?x128xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x128xf32>
  %empty = tensor.empty(%n) : tensor<?x128xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x128xf32>)
      -> tensor<?x128xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x128xf32>, tensor<128x128xf32>)
                     outs(%init : tensor<?x128xf32>) -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// GLA's gate: log-sigmoid, divided by the normalizer 16.
func.func private @log_sigmoid_gate(%z: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %z, %c0 : tensor<?x128xf32>
  %empty = tensor.empty(%n) : tensor<?x128xf32>
  %g = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%z : tensor<?x128xf32>) outs(%empty : tensor<?x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %neg = arith.negf %in : f32
    %e = math.exp %neg : f32
    %softplus = math.log1p %e : f32
    %inv = arith.constant -0.0625 : f32
    %r = arith.mulf %softplus, %inv : f32
    linalg.yield %r : f32
  } -> tensor<?x128xf32>
  return %g : tensor<?x128xf32>
}

func.func @gla_mixer(%x: tensor<?x?x128xf32> {recur.name = "x"},
                     %w_q: tensor<128x128xf32> {recur.name = "w_q"},
                     %w_k: tensor<128x128xf32> {recur.name = "w_k"},
                     %w_v: tensor<128x128xf32> {recur.name = "w_v"},
                     %w_g: tensor<128x128xf32> {recur.name = "w_g"},
                     %w_o: tensor<128x128xf32> {recur.name = "w_o"},
                     %h0: tensor<?x4x32x32xf32> {recur.name = "h0"})
    -> (tensor<?x?x128xf32> {recur.name = "y"},
        tensor<?x4x32x32xf32> {recur.name = "h_last"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x128xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x128xf32>
  %tokens = tensor.collapse_shape %x [[0, 1], [2]]
      : tensor<?x?x128xf32> into tensor<?x128xf32>

  %q2 = func.call @project(%tokens, %w_q) : (tensor<?x128xf32>, tensor<128x128xf32>) -> tensor<?x128xf32>
  %k2 = func.call @project(%tokens, %w_k) : (tensor<?x128xf32>, tensor<128x128xf32>) -> tensor<?x128xf32>
  %v2 = func.call @project(%tokens, %w_v) : (tensor<?x128xf32>, tensor<128x128xf32>) -> tensor<?x128xf32>
  %z2 = func.call @project(%tokens, %w_g) : (tensor<?x128xf32>, tensor<128x128xf32>) -> tensor<?x128xf32>
  %g2 = func.call @log_sigmoid_gate(%z2) : (tensor<?x128xf32>) -> tensor<?x128xf32>

  %q = tensor.expand_shape %q2 [[0, 1], [2, 3]] output_shape [%b, %t, 4, 32]
      : tensor<?x128xf32> into tensor<?x?x4x32xf32>
  %k = tensor.expand_shape %k2 [[0, 1], [2, 3]] output_shape [%b, %t, 4, 32]
      : tensor<?x128xf32> into tensor<?x?x4x32xf32>
  %v = tensor.expand_shape %v2 [[0, 1], [2, 3]] output_shape [%b, %t, 4, 32]
      : tensor<?x128xf32> into tensor<?x?x4x32xf32>
  %g = tensor.expand_shape %g2 [[0, 1], [2, 3]] output_shape [%b, %t, 4, 32]
      : tensor<?x128xf32> into tensor<?x?x4x32xf32>

  // The output's destination gives its shape; the state's is h0, the
  // initial state.
  %o_init = tensor.empty(%b, %t) : tensor<?x?x4x32xf32>
  %o, %h_last = recur.linear_attention
      ins(%q, %k, %v : tensor<?x?x4x32xf32>, tensor<?x?x4x32xf32>,
          tensor<?x?x4x32xf32>)
      gate key(%g : tensor<?x?x4x32xf32>)
      outs(%o_init, %h0 : tensor<?x?x4x32xf32>, tensor<?x4x32x32xf32>)

  %o2 = tensor.collapse_shape %o [[0, 1], [2, 3]]
      : tensor<?x?x4x32xf32> into tensor<?x128xf32>
  %y2 = func.call @project(%o2, %w_o) : (tensor<?x128xf32>, tensor<128x128xf32>) -> tensor<?x128xf32>
  %y = tensor.expand_shape %y2 [[0, 1], [2]] output_shape [%b, %t, 128]
      : tensor<?x128xf32> into tensor<?x?x128xf32>
  return %y, %h_last : tensor<?x?x128xf32>, tensor<?x4x32x32xf32>
}
