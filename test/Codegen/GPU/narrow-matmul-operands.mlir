// RUN: recur-opt %s --recur-gpu-narrow-matmul-operands | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// A contraction reads the bf16 tiles its inputs widen; the widening of A,
// which nothing else reads, is gone; B's stays for the elementwise op that
// reads it.
// CHECK-LABEL: func.func @widened
// CHECK-SAME: (%[[A:.+]]: tensor<16x32xbf16>, %[[B:.+]]: tensor<32x8xbf16>
// CHECK: %[[WIDE_B:.+]] = linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul ins(%[[A]], %[[B]] : tensor<16x32xbf16>, tensor<32x8xbf16>) outs(%{{.+}} : tensor<16x8xf32>)
// CHECK: return {{.*}}%[[WIDE_B]]
func.func @widened(%a: tensor<16x32xbf16>, %b: tensor<32x8xbf16>, %c: tensor<16x8xf32>)
    -> (tensor<16x8xf32>, tensor<32x8xf32>) {
  %ea = tensor.empty() : tensor<16x32xf32>
  %wa = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<16x32xbf16>) outs(%ea : tensor<16x32xf32>) {
  ^bb0(%x: bf16, %o: f32):
    %w = arith.extf %x : bf16 to f32
    linalg.yield %w : f32
  } -> tensor<16x32xf32>
  %eb = tensor.empty() : tensor<32x8xf32>
  %wb = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<32x8xbf16>) outs(%eb : tensor<32x8xf32>) {
  ^bb0(%x: bf16, %o: f32):
    %w = arith.extf %x : bf16 to f32
    linalg.yield %w : f32
  } -> tensor<32x8xf32>
  %m = linalg.matmul ins(%wa, %wb : tensor<16x32xf32>, tensor<32x8xf32>) outs(%c : tensor<16x8xf32>) -> tensor<16x8xf32>
  return %m, %wb : tensor<16x8xf32>, tensor<32x8xf32>
}

// Not a plain widening (it scales), or not a contraction: left alone.
// CHECK-LABEL: func.func @scaled
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<16x32xf32>, tensor<32x8xf32>)
func.func @scaled(%a: tensor<16x32xbf16>, %b: tensor<32x8xf32>, %c: tensor<16x8xf32>)
    -> tensor<16x8xf32> {
  %two = arith.constant 2.0 : f32
  %ea = tensor.empty() : tensor<16x32xf32>
  %wa = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<16x32xbf16>) outs(%ea : tensor<16x32xf32>) {
  ^bb0(%x: bf16, %o: f32):
    %w = arith.extf %x : bf16 to f32
    %s = arith.mulf %w, %two : f32
    linalg.yield %s : f32
  } -> tensor<16x32xf32>
  %m = linalg.matmul ins(%wa, %b : tensor<16x32xf32>, tensor<32x8xf32>) outs(%c : tensor<16x8xf32>) -> tensor<16x8xf32>
  return %m : tensor<16x8xf32>
}

// The new op keeps the old one's maps (A B^T here) and recur's attributes.
// CHECK-LABEL: func.func @transposed
// CHECK: linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] {recur.operand_precision = bf16} ins(%{{.+}}, %{{.+}} : tensor<16x32xbf16>, tensor<8x32xf32>)
func.func @transposed(%a: tensor<16x32xbf16>, %b: tensor<8x32xf32>, %c: tensor<16x8xf32>)
    -> tensor<16x8xf32> {
  %ea = tensor.empty() : tensor<16x32xf32>
  %wa = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<16x32xbf16>) outs(%ea : tensor<16x32xf32>) {
  ^bb0(%x: bf16, %o: f32):
    %w = arith.extf %x : bf16 to f32
    linalg.yield %w : f32
  } -> tensor<16x32xf32>
  %m = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      {recur.operand_precision = bf16} ins(%wa, %b : tensor<16x32xf32>, tensor<8x32xf32>) outs(%c : tensor<16x8xf32>) -> tensor<16x8xf32>
  return %m : tensor<16x8xf32>
}

// One widening read as both operands (K K^T): both read the bf16 tile, and
// the widening goes once.
// CHECK-LABEL: func.func @both_operands
// CHECK-SAME: (%[[K:[^:]+]]: tensor<16x32xbf16>
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%[[K]], %[[K]] : tensor<16x32xbf16>, tensor<16x32xbf16>)
func.func @both_operands(%k: tensor<16x32xbf16>, %c: tensor<16x16xf32>)
    -> tensor<16x16xf32> {
  %e = tensor.empty() : tensor<16x32xf32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%k : tensor<16x32xbf16>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%x: bf16, %o: f32):
    %y = arith.extf %x : bf16 to f32
    linalg.yield %y : f32
  } -> tensor<16x32xf32>
  %m = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%w, %w : tensor<16x32xf32>, tensor<16x32xf32>) outs(%c : tensor<16x16xf32>) -> tensor<16x16xf32>
  return %m : tensor<16x16xf32>
}
