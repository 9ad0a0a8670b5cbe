// RUN: recur-opt %s --recur-cpu-configure --recur-chunk --split-input-file | FileCheck %s

// Static width and channels: the chunked form. The filter is transposed
// once; threads run over (batch, chunk of 64 rows); a whole chunk past the
// first W-1 rows convolves x's own 67 rows (no copy, bf16 widened in the
// map), with the 4 shifted row blocks, the 4 filter rows and the bias as
// the inputs of one map whose body ends in SiLU; other chunks extend their
// rows with the history; the last, partial chunk goes a row at a time.
// The final state is a second forall, over (batch, channel block).
// CHECK-LABEL: func.func @conv(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x?x16xbf16>, %[[W:[^:]*]]: tensor<16x4xf32>, %[[BIAS:[^:]*]]: tensor<16xf32>, %[[S:[^:]*]]: tensor<?x3x16xbf16>, %[[YI:[^:]*]]: tensor<?x?x16xbf16>)
// CHECK: %[[FILTER:.*]] = linalg.transpose ins(%[[W]] : tensor<16x4xf32>)
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %{{.*}}, %c64
// CHECK: %[[Y:.*]] = scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, %[[CHUNKS]]) shared_outs(%{{.*}} = %[[YI]])
// CHECK: scf.if
// CHECK: %[[OWN:.*]] = tensor.extract_slice %{{.*}}[0, %{{.*}}, 0] [1, 67, 16] [1, 1, 1] : tensor<1x?x16xbf16> to tensor<67x16xbf16>
// CHECK-COUNT-4: tensor.extract_slice %[[OWN]][{{[0-3]}}, 0] [64, 16] [1, 1]
// CHECK: linalg.generic {{.*}} ins({{.*}} : tensor<64x16xbf16>, tensor<64x16xbf16>, tensor<64x16xbf16>, tensor<64x16xbf16>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
// CHECK: math.exp
// CHECK: } -> tensor<64x16xf32>
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: } else {
// CHECK: tensor.concat dim(0) %{{.*}}, %{{.*}} : (tensor<3x16xf32>, tensor<64x16xf32>) -> tensor<67x16xf32>
// CHECK: scf.for
// CHECK: tensor.concat dim(0) %{{.*}}, %{{.*}} : (tensor<3x16xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
// CHECK: scf.forall.in_parallel
// CHECK: %[[NEXT:.*]] = scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 1) shared_outs(%{{.*}} = %[[S]])
// CHECK: tensor.parallel_insert_slice %{{.*}} : tensor<3x16xbf16> into tensor<?x3x16xbf16>
// CHECK: return %[[Y]], %[[NEXT]]
func.func @conv(%x: tensor<?x?x16xbf16>, %w: tensor<16x4xf32>,
                %bias: tensor<16xf32>, %s: tensor<?x3x16xbf16>, %y_init: tensor<?x?x16xbf16>)
    -> (tensor<?x?x16xbf16>, tensor<?x3x16xbf16>) {
  %y, %next = recur.conv1d ins(%x, %w : tensor<?x?x16xbf16>, tensor<16x4xf32>) bias(%bias : tensor<16xf32>) outs(%y_init, %s : tensor<?x?x16xbf16>, tensor<?x3x16xbf16>) activation silu
  return %y, %next : tensor<?x?x16xbf16>, tensor<?x3x16xbf16>
}

// -----

// 3072 channels: blocks of 128, walked inside each chunk (x's rows are read
// whole).
// CHECK-LABEL: func.func @blocks(
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c24 step %c1
// CHECK: tensor.extract_slice %{{.*}} [1, %{{.*}}, 128] [1, 1, 1] : tensor<?x?x3072xf32> to tensor<1x?x128xf32>
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 24)
func.func @blocks(%x: tensor<?x?x3072xf32>, %w: tensor<3072x4xf32>,
                  %s: tensor<?x3x3072xf32>, %y_init: tensor<?x?x3072xf32>)
    -> (tensor<?x?x3072xf32>, tensor<?x3x3072xf32>) {
  %y, %next = recur.conv1d ins(%x, %w : tensor<?x?x3072xf32>, tensor<3072x4xf32>) outs(%y_init, %s : tensor<?x?x3072xf32>, tensor<?x3x3072xf32>)
  return %y, %next : tensor<?x?x3072xf32>, tensor<?x3x3072xf32>
}

// -----

// A dynamic channel count: upstream's depthwise convolution on the whole
// sequence. The state goes in front of the sequence, the convolution
// accumulates in f32 onto the broadcast bias, SiLU and the narrowing are
// one epilogue written into y's destination, and the new state is the last
// W-1 rows of the extended input.
// CHECK-LABEL: func.func @dynamic_channels(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x?x?xbf16>, %[[W:[^:]*]]: tensor<?x4xf32>, %[[BIAS:[^:]*]]: tensor<?xf32>, %[[S:[^:]*]]: tensor<?x3x?xbf16>, %[[YI:[^:]*]]: tensor<?x?x?xbf16>)
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[XS:.*]] = tensor.concat dim(1) %[[S]], %[[X]]
// CHECK: %[[FILTER:.*]] = linalg.transpose ins(%[[W]] : tensor<?x4xf32>)
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<?xf32>)
// CHECK: %[[CONV:.*]] = linalg.depthwise_conv_1d_nwc_wc{{.*}} ins(%[[XS]], %[[FILTER]] : tensor<?x?x?xbf16>, tensor<4x?xf32>) outs(%[[ACC]] : tensor<?x?x?xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[CONV]] : tensor<?x?x?xf32>) outs(%[[YI]] : tensor<?x?x?xbf16>)
// CHECK: math.exp
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: %[[NEXT:.*]] = tensor.extract_slice %[[XS]][0, %[[T]], 0] [%{{.*}}, 3, %{{.*}}] [1, 1, 1]
// CHECK: return %[[Y]], %[[NEXT]]
func.func @dynamic_channels(%x: tensor<?x?x?xbf16>, %w: tensor<?x4xf32>,
                %bias: tensor<?xf32>, %s: tensor<?x3x?xbf16>, %y_init: tensor<?x?x?xbf16>)
    -> (tensor<?x?x?xbf16>, tensor<?x3x?xbf16>) {
  %y, %next = recur.conv1d ins(%x, %w : tensor<?x?x?xbf16>, tensor<?x4xf32>) bias(%bias : tensor<?xf32>) outs(%y_init, %s : tensor<?x?x?xbf16>, tensor<?x3x?xbf16>) activation silu
  return %y, %next : tensor<?x?x?xbf16>, tensor<?x3x?xbf16>
}
