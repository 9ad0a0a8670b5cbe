// RUN: recur-opt %s --recur-cpu-transpose-b | FileCheck %s

// The chunked forms' A B^T (a matmul reading B transposed) becomes B^T
// formed once into a tile of its own and a plain matmul, with the op's
// attributes; a plain matmul and one on buffers stay.
// CHECK-LABEL: func.func @scores
// CHECK-SAME: %[[A:[^:]*]]: tensor<16x32xf32>, %[[B:[^:]*]]: tensor<8x32xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<32x8xf32>
// CHECK: %[[BT:.*]] = linalg.transpose ins(%[[B]] : tensor<8x32xf32>) outs(%[[EMPTY]] : tensor<32x8xf32>) permutation = [1, 0]
// CHECK: %[[C:.*]] = linalg.matmul {recur.operand_precision = bf16} ins(%[[A]], %[[BT]] : tensor<16x32xf32>, tensor<32x8xf32>) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK: linalg.matmul ins(%[[C]], %{{.*}} : tensor<16x8xf32>, tensor<8x4xf32>)
// CHECK: linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%{{.*}}, %{{.*}} : memref<16x32xf32>, memref<8x32xf32>)
func.func @scores(%a: tensor<16x32xf32>, %b: tensor<8x32xf32>,
                  %acc: tensor<16x8xf32>, %v: tensor<8x4xf32>,
                  %out: tensor<16x4xf32>, %ma: memref<16x32xf32>,
                  %mb: memref<8x32xf32>, %mc: memref<16x8xf32>)
    -> tensor<16x4xf32> {
  %s = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      {recur.operand_precision = bf16}
      ins(%a, %b : tensor<16x32xf32>, tensor<8x32xf32>)
      outs(%acc : tensor<16x8xf32>) -> tensor<16x8xf32>
  %o = linalg.matmul ins(%s, %v : tensor<16x8xf32>, tensor<8x4xf32>)
      outs(%out : tensor<16x4xf32>) -> tensor<16x4xf32>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                 affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
      ins(%ma, %mb : memref<16x32xf32>, memref<8x32xf32>)
      outs(%mc : memref<16x8xf32>)
  return %o : tensor<16x4xf32>
}
