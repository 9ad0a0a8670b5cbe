// RUN: recur-opt %s --recur-chunk | FileCheck %s

// The state goes in front of the sequence, upstream's depthwise convolution
// accumulates in f32 onto the broadcast bias, SiLU and the narrowing to bf16
// are one epilogue written into y's destination, and the new state is the
// last W-1 rows of the extended input.
// CHECK-LABEL: func.func @conv(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x?x16xbf16>, %[[W:[^:]*]]: tensor<16x4xf32>, %[[BIAS:[^:]*]]: tensor<16xf32>, %[[S:[^:]*]]: tensor<?x3x16xbf16>, %[[YI:[^:]*]]: tensor<?x?x16xbf16>)
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[XS:.*]] = tensor.concat dim(1) %[[S]], %[[X]] : (tensor<?x3x16xbf16>, tensor<?x?x16xbf16>) -> tensor<?x?x16xbf16>
// CHECK: %[[FILTER:.*]] = linalg.transpose ins(%[[W]] : tensor<16x4xf32>) outs(%{{.*}} : tensor<4x16xf32>) permutation = [1, 0]
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<16xf32>)
// CHECK: %[[CONV:.*]] = linalg.depthwise_conv_1d_nwc_wc{{.*}} ins(%[[XS]], %[[FILTER]] : tensor<?x?x16xbf16>, tensor<4x16xf32>) outs(%[[ACC]] : tensor<?x?x16xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[CONV]] : tensor<?x?x16xf32>) outs(%[[YI]] : tensor<?x?x16xbf16>)
// CHECK: math.exp
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: %[[NEXT:.*]] = tensor.extract_slice %[[XS]][0, %[[T]], 0] [%{{.*}}, 3, 16] [1, 1, 1]
// CHECK: return %[[Y]], %[[NEXT]]
func.func @conv(%x: tensor<?x?x16xbf16>, %w: tensor<16x4xf32>,
                %bias: tensor<16xf32>, %s: tensor<?x3x16xbf16>, %y_init: tensor<?x?x16xbf16>)
    -> (tensor<?x?x16xbf16>, tensor<?x3x16xbf16>) {
  %y, %next = recur.conv1d ins(%x, %w : tensor<?x?x16xbf16>, tensor<16x4xf32>) bias(%bias : tensor<16xf32>) outs(%y_init, %s : tensor<?x?x16xbf16>, tensor<?x3x16xbf16>) activation silu
  return %y, %next : tensor<?x?x16xbf16>, tensor<?x3x16xbf16>
}
