// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s
// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s --check-prefix=LOWERED

// No recur op is left anywhere in the output.
// LOWERED-NOT: recur.

// Two nests: y over (batch, time, channel) with an f32 sum over the W taps,
// then the new state over (batch, W - 1, channel). Input s = t - (W-1) + j
// comes from x when s >= 0 and is 0 otherwise, chosen by scf.if.
// CHECK-LABEL: func.func @conv1d(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x16x8xf32>, %[[W:[^:]*]]: tensor<8x4xf32>, %[[Y_INIT:[^:]*]]: tensor<2x16x8xf32>, %[[STATE_INIT:[^:]*]]: tensor<2x3x8xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[HISTORY:.*]] = arith.subi %[[C4]], %[[C1]] : index
// CHECK: %[[Y:.*]] = scf.for %[[BI:[^ ]+]] = %[[C0]] to %[[C2]] step %[[C1]] iter_args(%[[Y_B:[^ ]+]] = %[[Y_INIT]]) -> (tensor<2x16x8xf32>)
// CHECK: %[[Y_T:.*]] = scf.for %[[T:[^ ]+]] = %[[C0]] to %[[C16]] step %[[C1]] iter_args(%[[Y_TI:[^ ]+]] = %[[Y_B]]) -> (tensor<2x16x8xf32>)
// CHECK: %[[Y_C:.*]] = scf.for %[[C:[^ ]+]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[Y_CI:[^ ]+]] = %[[Y_TI]]) -> (tensor<2x16x8xf32>)
// CHECK: %[[FIRST:.*]] = arith.subi %[[T]], %[[HISTORY]] : index
// CHECK: %[[ACC:.*]] = scf.for %[[J:[^ ]+]] = %[[C0]] to %[[C4]] step %[[C1]] iter_args(%[[PARTIAL:[^ ]+]] = %[[ZERO]]) -> (f32)
// CHECK: %[[S:.*]] = arith.addi %[[FIRST]], %[[J]] : index
// CHECK: %[[IN_SEQ:.*]] = arith.cmpi sge, %[[S]], %[[C0]] : index
// CHECK: %[[XV:.*]] = scf.if %[[IN_SEQ]] -> (f32) {
// CHECK: %[[LOADED:.*]] = tensor.extract %[[X]][%[[BI]], %[[S]], %[[C]]] : tensor<2x16x8xf32>
// CHECK: scf.yield %[[LOADED]] : f32
// CHECK: } else {
// CHECK: %[[ROW0:.*]] = arith.addi %[[HISTORY]], %[[S]] : index
// CHECK: tensor.extract %[[STATE_INIT]][%[[BI]], %[[ROW0]], %[[C]]] : tensor<2x3x8xf32>
// CHECK: }
// CHECK: %[[WV:.*]] = tensor.extract %[[W]][%[[C]], %[[J]]] : tensor<8x4xf32>
// CHECK: %[[TAP:.*]] = arith.mulf %[[WV]], %[[XV]] : f32
// CHECK: %[[NEXT:.*]] = arith.addf %[[PARTIAL]], %[[TAP]] : f32
// CHECK: scf.yield %[[NEXT]] : f32
// CHECK-NOT: math.exp
// CHECK: %[[Y_NEXT:.*]] = tensor.insert %[[ACC]] into %[[Y_CI]][%[[BI]], %[[T]], %[[C]]] : tensor<2x16x8xf32>
// CHECK: scf.yield %[[Y_NEXT]] : tensor<2x16x8xf32>
// CHECK: scf.yield %[[Y_C]] : tensor<2x16x8xf32>
// CHECK: scf.yield %[[Y_T]] : tensor<2x16x8xf32>
// CHECK: %[[FIRST_KEPT:.*]] = arith.subi %[[C16]], %[[HISTORY]] : index
// CHECK: %[[STATE:.*]] = scf.for %[[SB:[^ ]+]] = %[[C0]] to %[[C2]] step %[[C1]] iter_args(%[[ST_B:[^ ]+]] = %[[STATE_INIT]]) -> (tensor<2x3x8xf32>)
// CHECK: scf.for %[[ROW:[^ ]+]] = %[[C0]] to %[[HISTORY]] step %[[C1]] iter_args(%{{.*}}) -> (tensor<2x3x8xf32>)
// CHECK: scf.for %[[SC:[^ ]+]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[ST_C:[^ ]+]] = %{{.*}}) -> (tensor<2x3x8xf32>)
// CHECK: %[[KEPT:.*]] = arith.addi %[[FIRST_KEPT]], %[[ROW]] : index
// CHECK: %[[KEPT_IN_SEQ:.*]] = arith.cmpi sge, %[[KEPT]], %[[C0]] : index
// CHECK: %[[KV:.*]] = scf.if %[[KEPT_IN_SEQ]] -> (f32) {
// CHECK: tensor.extract %[[X]][%[[SB]], %[[KEPT]], %[[SC]]]
// CHECK: } else {
// CHECK: tensor.extract %[[STATE_INIT]]
// CHECK: }
// CHECK: tensor.insert %[[KV]] into %[[ST_C]][%[[SB]], %[[ROW]], %[[SC]]] : tensor<2x3x8xf32>
// CHECK: return %[[Y]], %[[STATE]] : tensor<2x16x8xf32>, tensor<2x3x8xf32>
func.func @conv1d(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x3x8xf32>) -> (tensor<2x16x8xf32>, tensor<2x3x8xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x3x8xf32>)
  return %y, %s : tensor<2x16x8xf32>, tensor<2x3x8xf32>
}

// With an initial state, inputs before t = 0 come from state row
// (W - 1) + s, in both the output and the new-state nests.
// CHECK-LABEL: func.func @conv1d_initial(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x16x8xf32>, %[[W:[^:]*]]: tensor<8x4xf32>, %[[S0:[^:]*]]: tensor<2x3x8xf32>
// CHECK: %[[HISTORY:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK: scf.for %[[BI:[^ ]+]] =
// CHECK: scf.for %{{.*}} =
// CHECK: scf.for %[[C:[^ ]+]] =
// CHECK: %[[S:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[IN_SEQ:.*]] = arith.cmpi sge, %[[S]], %{{.*}} : index
// CHECK: scf.if %[[IN_SEQ]] -> (f32) {
// CHECK: tensor.extract %[[X]][%[[BI]], %[[S]], %[[C]]]
// CHECK: } else {
// CHECK: %[[ROW:.*]] = arith.addi %[[HISTORY]], %[[S]] : index
// CHECK: %[[OLD:.*]] = tensor.extract %[[S0]][%[[BI]], %[[ROW]], %[[C]]] : tensor<2x3x8xf32>
// CHECK: scf.yield %[[OLD]] : f32
// CHECK: }
// CHECK: scf.if
// CHECK: } else {
// CHECK: tensor.extract %[[S0]][
// CHECK: return
func.func @conv1d_initial(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %s0: tensor<2x3x8xf32>, %y_init: tensor<2x16x8xf32>) -> (tensor<2x16x8xf32>, tensor<2x3x8xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s0 : tensor<2x16x8xf32>, tensor<2x3x8xf32>)
  return %y, %s : tensor<2x16x8xf32>, tensor<2x3x8xf32>
}

// Bias is added after the tap sum, then silu(x) = x / (1 + exp(-x)).
// CHECK-LABEL: func.func @conv1d_bias_silu(
// CHECK-SAME: %[[BIAS:[^:]*]]: tensor<8xf32>
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[ACC:.*]] = scf.for {{.*}} -> (f32)
// CHECK: scf.yield
// CHECK: %[[BV:.*]] = tensor.extract %[[BIAS]][%{{.*}}] : tensor<8xf32>
// CHECK: %[[PRE:.*]] = arith.addf %[[BV]], %[[ACC]] : f32
// CHECK: %[[NEG:.*]] = arith.negf %[[PRE]] : f32
// CHECK: %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[DEN:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK: %[[SIG:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK: %[[ACT:.*]] = arith.mulf %[[PRE]], %[[SIG]] : f32
// CHECK: tensor.insert %[[ACT]] into
func.func @conv1d_bias_silu(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %bias: tensor<8xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x3x8xf32>) -> (tensor<2x16x8xf32>, tensor<2x3x8xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) bias(%bias : tensor<8xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x3x8xf32>) activation silu
  return %y, %s : tensor<2x16x8xf32>, tensor<2x3x8xf32>
}

// bf16: the history select works in bf16 (x or the bf16 state), the tap is
// widened after it, y is narrowed, and the new state copies bf16 values
// without conversion.
// CHECK-LABEL: func.func @conv1d_bf16(
// CHECK-SAME: %[[X:[^:]*]]: tensor<1x4x8xbf16>, %[[W:[^:]*]]: tensor<8x2xf32>, %[[S0:[^:]*]]: tensor<1x1x8xbf16>
// CHECK: %[[XV:.*]] = scf.if %{{.*}} -> (bf16) {
// CHECK: tensor.extract %[[X]][{{.*}}] : tensor<1x4x8xbf16>
// CHECK: } else {
// CHECK: tensor.extract %[[S0]][{{.*}}] : tensor<1x1x8xbf16>
// CHECK: }
// CHECK-NEXT: %[[XF:.*]] = arith.extf %[[XV]] : bf16 to f32
// CHECK: arith.mulf %{{.*}}, %[[XF]] : f32
// CHECK: %[[NARROW:.*]] = arith.truncf %{{.*}} : f32 to bf16
// CHECK-NEXT: tensor.insert %[[NARROW]] into %{{.*}} : tensor<1x4x8xbf16>
// CHECK: %[[KV:.*]] = scf.if %{{.*}} -> (bf16) {
// CHECK: } else {
// CHECK: scf.yield %{{.*}} : bf16
// CHECK-NEXT: }
// CHECK-NEXT: tensor.insert %[[KV]] into %{{.*}} : tensor<1x1x8xbf16>
func.func @conv1d_bf16(%x: tensor<1x4x8xbf16>, %w: tensor<8x2xf32>, %s0: tensor<1x1x8xbf16>, %y_init: tensor<1x4x8xbf16>) -> (tensor<1x4x8xbf16>, tensor<1x1x8xbf16>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<1x4x8xbf16>, tensor<8x2xf32>) outs(%y_init, %s0 : tensor<1x4x8xbf16>, tensor<1x1x8xbf16>)
  return %y, %s : tensor<1x4x8xbf16>, tensor<1x1x8xbf16>
}

// W = 1: the history is 0 rows, so the state nest runs over an empty range.
// CHECK-LABEL: func.func @conv1d_width_one(
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[HISTORY:.*]] = arith.subi %[[C1]], %[[C1]] : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C1]] step %[[C1]] iter_args(%{{.*}}) -> (f32)
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[HISTORY]] step %[[C1]] iter_args(%{{.*}}) -> (tensor<2x0x8xf32>)
func.func @conv1d_width_one(%x: tensor<2x16x8xf32>, %w: tensor<8x1xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x0x8xf32>) -> (tensor<2x16x8xf32>, tensor<2x0x8xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x1xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x0x8xf32>)
  return %y, %s : tensor<2x16x8xf32>, tensor<2x0x8xf32>
}

// Dynamic sizes come from tensor.dim: B, T, C of x and W of w; W - 1 bounds
// the new state's rows.
// CHECK-LABEL: func.func @conv1d_dynamic(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x?x?xf32>, %[[W:[^:]*]]: tensor<?x?xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[BATCH:.*]] = tensor.dim %[[X]], %[[C0]] :
// CHECK: %[[TIME:.*]] = tensor.dim %[[X]], %[[C1]] :
// CHECK: %[[CHANNELS:.*]] = tensor.dim %[[X]], %[[C2]] :
// CHECK: %[[WIDTH:.*]] = tensor.dim %[[W]], %[[C1]] :
// CHECK: %[[HISTORY:.*]] = arith.subi %[[WIDTH]], %[[C1]] : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[WIDTH]] step
// CHECK: arith.subi %[[TIME]], %[[HISTORY]] : index
func.func @conv1d_dynamic(%x: tensor<?x?x?xf32>, %w: tensor<?x?xf32>, %y_init: tensor<?x?x?xf32>, %s_init: tensor<?x?x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<?x?x?xf32>, tensor<?x?xf32>) outs(%y_init, %s_init : tensor<?x?x?xf32>, tensor<?x?x?xf32>)
  return %y, %s : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}
