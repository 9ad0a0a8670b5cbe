// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s
// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s --check-prefix=LOWERED

// No recur op is left anywhere in the output.
// LOWERED-NOT: recur.

// The nest runs over batch and features with the time loop innermost; the
// destinations of h and of the state are threaded through every level, and
// the running state h is an f32 iter_arg of the time loop.
// CHECK-LABEL: func.func @scan(
// CHECK-SAME: %[[A:[^:]*]]: tensor<2x16x64xf32>, %[[B:[^:]*]]: tensor<2x16x64xf32>, %[[OUT:[^:]*]]: tensor<2x16x64xf32>, %[[STATE_INIT:[^:]*]]: tensor<2x64xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[RES:.*]]:2 = scf.for %[[BI:.*]] = %[[C0]] to %[[C2]] step %[[C1]] iter_args(%[[OUT_B:.*]] = %[[OUT]], %[[STATE_B:.*]] = %[[STATE_INIT]]) -> (tensor<2x16x64xf32>, tensor<2x64xf32>)
// CHECK: %[[PER_D:.*]]:2 = scf.for %[[DI:.*]] = %[[C0]] to %[[C64]] step %[[C1]] iter_args(%[[OUT_D:.*]] = %[[OUT_B]], %[[STATE_D:.*]] = %[[STATE_B]]) -> (tensor<2x16x64xf32>, tensor<2x64xf32>)
// CHECK: %[[PREV:.*]] = tensor.extract %[[STATE_D]][%[[BI]], %[[DI]]] : tensor<2x64xf32>
// CHECK: %[[SWEEP:.*]]:2 = scf.for %[[T:.*]] = %[[C0]] to %[[C16]] step %[[C1]] iter_args(%[[OUT_T:.*]] = %[[OUT_D]], %[[H:.*]] = %[[PREV]]) -> (tensor<2x16x64xf32>, f32)
// CHECK: %[[AV:.*]] = tensor.extract %[[A]][%[[BI]], %[[T]], %[[DI]]] : tensor<2x16x64xf32>
// CHECK: %[[AH:.*]] = arith.mulf %[[AV]], %[[H]] : f32
// CHECK: %[[BV:.*]] = tensor.extract %[[B]][%[[BI]], %[[T]], %[[DI]]] : tensor<2x16x64xf32>
// CHECK: %[[NEXT:.*]] = arith.addf %[[AH]], %[[BV]] : f32
// CHECK: %[[OUT_NEXT:.*]] = tensor.insert %[[NEXT]] into %[[OUT_T]][%[[BI]], %[[T]], %[[DI]]]
// CHECK: scf.yield %[[OUT_NEXT]], %[[NEXT]] : tensor<2x16x64xf32>, f32
// CHECK: %[[STATE_NEXT:.*]] = tensor.insert %[[SWEEP]]#1 into %[[STATE_D]][%[[BI]], %[[DI]]] : tensor<2x64xf32>
// CHECK: scf.yield %[[SWEEP]]#0, %[[STATE_NEXT]] : tensor<2x16x64xf32>, tensor<2x64xf32>
// CHECK: scf.yield %[[PER_D]]#0, %[[PER_D]]#1 : tensor<2x16x64xf32>, tensor<2x64xf32>
// CHECK: return %[[RES]]#0, %[[RES]]#1 : tensor<2x16x64xf32>, tensor<2x64xf32>
func.func @scan(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>, %h_init: tensor<2x16x64xf32>, %last_init: tensor<2x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%h_init, %last_init : tensor<2x16x64xf32>, tensor<2x64xf32>)
  return %h, %last : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// The initial state is the state's destination, threaded directly.
// CHECK-LABEL: func.func @scan_initial(
// CHECK-SAME: %[[H0:[^:]*]]: tensor<2x64xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[RES:.*]]:2 = scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %[[H0]]) -> (tensor<2x16x64xf32>, tensor<2x64xf32>)
// CHECK: return %[[RES]]#0, %[[RES]]#1
func.func @scan_initial(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>, %h_init: tensor<2x16x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%h_init, %h0 : tensor<2x16x64xf32>, tensor<2x64xf32>)
  return %h, %last : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// Reverse: step s of the time loop reads and writes t = (T - 1) - s.
// CHECK-LABEL: func.func @scan_reverse(
// CHECK-SAME: %[[A:[^:]*]]: tensor<2x16x64xf32>, %[[B:[^:]*]]: tensor<2x16x64xf32>, %[[H0:[^:]*]]: tensor<2x64xf32>
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %[[BI:[^ ]+]] = {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %[[H0]])
// CHECK: scf.for %[[DI:[^ ]+]] = {{.*}} -> (tensor<2x16x64xf32>, tensor<2x64xf32>)
// CHECK: scf.for %[[STEP:[^ ]+]] = %{{.*}} to %[[C16]] step %[[C1]] iter_args({{.*}}) -> (tensor<2x16x64xf32>, f32)
// CHECK: %[[LAST:.*]] = arith.subi %[[C16]], %[[C1]] : index
// CHECK: %[[T:.*]] = arith.subi %[[LAST]], %[[STEP]] : index
// CHECK: tensor.extract %[[A]][%[[BI]], %[[T]], %[[DI]]]
// CHECK: tensor.extract %[[B]][%[[BI]], %[[T]], %[[DI]]]
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[BI]], %[[T]], %[[DI]]] : tensor<2x16x64xf32>
func.func @scan_reverse(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>, %h_init: tensor<2x16x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%h_init, %h0 : tensor<2x16x64xf32>, tensor<2x64xf32>) reverse
  return %h, %last : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// A forward scan does no index arithmetic on the time step.
// CHECK-LABEL: func.func @scan_forward_no_index_math(
// CHECK-NOT: arith.subi
// CHECK: return
func.func @scan_forward_no_index_math(%a: tensor<2x16x64xf32>, %h_init: tensor<2x16x64xf32>, %last_init: tensor<2x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%h_init, %last_init : tensor<2x16x64xf32>, tensor<2x64xf32>)
  return %h, %last : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// Two feature dims: the nest is batch, head, feature, then time.
// CHECK-LABEL: func.func @scan_two_feature_dims(
// CHECK-SAME: %[[A:[^:]*]]: tensor<2x16x4x8xf32>
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %[[BI:[^ ]+]] = %{{.*}} to %[[C2]] {{.*}} -> (tensor<2x16x4x8xf32>, tensor<2x4x8xf32>)
// CHECK: scf.for %[[HI:[^ ]+]] = %{{.*}} to %[[C4]] {{.*}} -> (tensor<2x16x4x8xf32>, tensor<2x4x8xf32>)
// CHECK: scf.for %[[DI:[^ ]+]] = %{{.*}} to %[[C8]] {{.*}} -> (tensor<2x16x4x8xf32>, tensor<2x4x8xf32>)
// CHECK: tensor.extract %{{.*}}[%[[BI]], %[[HI]], %[[DI]]] : tensor<2x4x8xf32>
// CHECK: scf.for %[[T:[^ ]+]] = %{{.*}} to %[[C16]] {{.*}} -> (tensor<2x16x4x8xf32>, f32)
// CHECK: tensor.extract %[[A]][%[[BI]], %[[T]], %[[HI]], %[[DI]]] : tensor<2x16x4x8xf32>
// CHECK-NOT: scf.for
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[BI]], %[[HI]], %[[DI]]] : tensor<2x4x8xf32>
// CHECK: return
func.func @scan_two_feature_dims(%a: tensor<2x16x4x8xf32>, %b: tensor<2x16x4x8xf32>, %h_init: tensor<2x16x4x8xf32>, %last_init: tensor<2x4x8xf32>) -> (tensor<2x16x4x8xf32>, tensor<2x4x8xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%h_init, %last_init : tensor<2x16x4x8xf32>, tensor<2x4x8xf32>)
  return %h, %last : tensor<2x16x4x8xf32>, tensor<2x4x8xf32>
}

// bf16 inputs are widened to f32, the recurrence runs in f32, and only the
// stored output is narrowed; the f32 state is stored as is.
// CHECK-LABEL: func.func @scan_bf16(
// CHECK-SAME: %[[A:[^:]*]]: tensor<2x16x64xbf16>, %[[B:[^:]*]]: tensor<2x16x64xbf16>
// CHECK: scf.for {{.*}} -> (tensor<2x16x64xbf16>, f32)
// CHECK: %[[AV:.*]] = tensor.extract %[[A]][{{.*}}] : tensor<2x16x64xbf16>
// CHECK: %[[AF:.*]] = arith.extf %[[AV]] : bf16 to f32
// CHECK: %[[AH:.*]] = arith.mulf %[[AF]], %{{.*}} : f32
// CHECK: %[[BV:.*]] = tensor.extract %[[B]][{{.*}}] : tensor<2x16x64xbf16>
// CHECK: %[[BF:.*]] = arith.extf %[[BV]] : bf16 to f32
// CHECK: %[[NEXT:.*]] = arith.addf %[[AH]], %[[BF]] : f32
// CHECK: %[[NARROW:.*]] = arith.truncf %[[NEXT]] : f32 to bf16
// CHECK: %[[OUT:.*]] = tensor.insert %[[NARROW]] into {{.*}} : tensor<2x16x64xbf16>
// CHECK: scf.yield %[[OUT]], %[[NEXT]] : tensor<2x16x64xbf16>, f32
// CHECK-NOT: arith.truncf
// CHECK: tensor.insert %{{.*}}#1 into {{.*}} : tensor<2x64xf32>
func.func @scan_bf16(%a: tensor<2x16x64xbf16>, %b: tensor<2x16x64xbf16>, %h_init: tensor<2x16x64xbf16>, %last_init: tensor<2x64xf32>) -> (tensor<2x16x64xbf16>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xbf16>, tensor<2x16x64xbf16>) outs(%h_init, %last_init : tensor<2x16x64xbf16>, tensor<2x64xf32>)
  return %h, %last : tensor<2x16x64xbf16>, tensor<2x64xf32>
}

// CHECK-LABEL: func.func @scan_f16(
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: tensor.insert %{{.*}} into {{.*}} : tensor<1x8x4xf16>
func.func @scan_f16(%a: tensor<1x8x4xf16>, %h0: tensor<1x4xf32>, %h_init: tensor<1x8x4xf16>) -> (tensor<1x8x4xf16>, tensor<1x4xf32>) {
  %h, %last = recur.scan ins(%a, %a : tensor<1x8x4xf16>, tensor<1x8x4xf16>) outs(%h_init, %h0 : tensor<1x8x4xf16>, tensor<1x4xf32>) reverse
  return %h, %last : tensor<1x8x4xf16>, tensor<1x4xf32>
}

// Dynamic B and T come from tensor.dim of `a` and bound the loops; the
// reverse index uses the dynamic T.
// CHECK-LABEL: func.func @scan_dynamic(
// CHECK-SAME: %[[A:[^:]*]]: tensor<?x?x64xf32>, %[[B:[^:]*]]: tensor<?x?x64xf32>, %[[H0:[^:]*]]: tensor<?x64xf32>, %[[OUT:[^:]*]]: tensor<?x?x64xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[BATCH:.*]] = tensor.dim %[[A]], %[[C0]] : tensor<?x?x64xf32>
// CHECK: %[[TIME:.*]] = tensor.dim %[[A]], %[[C1]] : tensor<?x?x64xf32>
// CHECK: %[[RES:.*]]:2 = scf.for %{{.*}} = %[[C0]] to %[[BATCH]] step %[[C1]] iter_args(%{{.*}} = %[[OUT]], %{{.*}} = %[[H0]]) -> (tensor<?x?x64xf32>, tensor<?x64xf32>)
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C64]] step %[[C1]] iter_args
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[TIME]] step %[[C1]] iter_args
// CHECK: arith.subi %[[TIME]], %[[C1]] : index
// CHECK: return %[[RES]]#0, %[[RES]]#1 : tensor<?x?x64xf32>, tensor<?x64xf32>
func.func @scan_dynamic(%a: tensor<?x?x64xf32>, %b: tensor<?x?x64xf32>, %h0: tensor<?x64xf32>, %h_init: tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x64xf32>, tensor<?x?x64xf32>) outs(%h_init, %h0 : tensor<?x?x64xf32>, tensor<?x64xf32>) reverse
  return %h, %last : tensor<?x?x64xf32>, tensor<?x64xf32>
}
