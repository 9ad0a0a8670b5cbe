// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s
// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s --check-prefix=LOWERED

// No recur op is left anywhere in the output.
// LOWERED-NOT: recur.

// Minimal form: batch and channel loops, then time, then the state dim N,
// which updates h[b, d, n] in the state tensor and accumulates y in f32.
// CHECK-LABEL: func.func @selective_scan(
// CHECK-SAME: %[[U:[^:]*]]: tensor<2x32x64xf32>, %[[DELTA:[^:]*]]: tensor<2x32x64xf32>, %[[A:[^:]*]]: tensor<64x16xf32>, %[[BM:[^:]*]]: tensor<2x32x4x16xf32>, %[[CM:[^:]*]]: tensor<2x32x4x16xf32>, %[[Y_INIT:[^:]*]]: tensor<2x32x64xf32>, %[[H_INIT:[^:]*]]: tensor<2x64x16xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PER_GROUP:.*]] = arith.divui %[[C64]], %[[C4]] : index
// CHECK: %[[RES:.*]]:2 = scf.for %[[BI:[^ ]+]] = %[[C0]] to %[[C2]] step %[[C1]] iter_args(%[[Y_B:[^ ]+]] = %[[Y_INIT]], %[[H_B:[^ ]+]] = %[[H_INIT]]) -> (tensor<2x32x64xf32>, tensor<2x64x16xf32>)
// CHECK: %[[PER_D:.*]]:2 = scf.for %[[DI:[^ ]+]] = %[[C0]] to %[[C64]] step %[[C1]] iter_args(%[[Y_D:[^ ]+]] = %[[Y_B]], %[[H_D:[^ ]+]] = %[[H_B]]) -> (tensor<2x32x64xf32>, tensor<2x64x16xf32>)
// CHECK: %[[GROUP:.*]] = arith.divui %[[DI]], %[[PER_GROUP]] : index
// CHECK: %[[PER_T:.*]]:2 = scf.for %[[T:[^ ]+]] = %[[C0]] to %[[C32]] step %[[C1]] iter_args(%[[Y_T:[^ ]+]] = %[[Y_D]], %[[H_T:[^ ]+]] = %[[H_D]]) -> (tensor<2x32x64xf32>, tensor<2x64x16xf32>)
// CHECK: %[[UV:.*]] = tensor.extract %[[U]][%[[BI]], %[[T]], %[[DI]]]
// CHECK: %[[DT:.*]] = tensor.extract %[[DELTA]][%[[BI]], %[[T]], %[[DI]]]
// CHECK-NOT: math.log1p
// CHECK: %[[PER_N:.*]]:2 = scf.for %[[N:[^ ]+]] = %[[C0]] to %[[C16]] step %[[C1]] iter_args(%[[H_N:[^ ]+]] = %[[H_T]], %[[ACC:[^ ]+]] = %[[ZERO]]) -> (tensor<2x64x16xf32>, f32)
// CHECK: %[[AV:.*]] = tensor.extract %[[A]][%[[DI]], %[[N]]]
// CHECK: %[[DTA:.*]] = arith.mulf %[[DT]], %[[AV]] : f32
// CHECK: %[[DECAY:.*]] = math.exp %[[DTA]] : f32
// CHECK: %[[BV:.*]] = tensor.extract %[[BM]][%[[BI]], %[[T]], %[[GROUP]], %[[N]]]
// CHECK: %[[DTB:.*]] = arith.mulf %[[DT]], %[[BV]] : f32
// CHECK: %[[INPUT:.*]] = arith.mulf %[[DTB]], %[[UV]] : f32
// CHECK: %[[HPREV:.*]] = tensor.extract %[[H_N]][%[[BI]], %[[DI]], %[[N]]]
// CHECK: %[[HDEC:.*]] = arith.mulf %[[DECAY]], %[[HPREV]] : f32
// CHECK: %[[HNEW:.*]] = arith.addf %[[HDEC]], %[[INPUT]] : f32
// CHECK: %[[CV:.*]] = tensor.extract %[[CM]][%[[BI]], %[[T]], %[[GROUP]], %[[N]]]
// CHECK: %[[CH:.*]] = arith.mulf %[[CV]], %[[HNEW]] : f32
// CHECK: %[[ACC_NEXT:.*]] = arith.addf %[[ACC]], %[[CH]] : f32
// CHECK: %[[H_NEXT:.*]] = tensor.insert %[[HNEW]] into %[[H_N]][%[[BI]], %[[DI]], %[[N]]]
// CHECK: scf.yield %[[H_NEXT]], %[[ACC_NEXT]] : tensor<2x64x16xf32>, f32
// CHECK: %[[Y_NEXT:.*]] = tensor.insert %[[PER_N]]#1 into %[[Y_T]][%[[BI]], %[[T]], %[[DI]]]
// CHECK: scf.yield %[[Y_NEXT]], %[[PER_N]]#0 : tensor<2x32x64xf32>, tensor<2x64x16xf32>
// CHECK: scf.yield %[[PER_T]]#0, %[[PER_T]]#1
// CHECK: scf.yield %[[PER_D]]#0, %[[PER_D]]#1
// CHECK: return %[[RES]]#0, %[[RES]]#1 : tensor<2x32x64xf32>, tensor<2x64x16xf32>
func.func @selective_scan(%u: tensor<2x32x64xf32>, %delta: tensor<2x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<2x32x4x16xf32>, %Cm: tensor<2x32x4x16xf32>, %y_init: tensor<2x32x64xf32>, %h_init: tensor<2x64x16xf32>) -> (tensor<2x32x64xf32>, tensor<2x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %delta, %A, %Bm, %Cm : tensor<2x32x64xf32>, tensor<2x32x64xf32>, tensor<64x16xf32>, tensor<2x32x4x16xf32>, tensor<2x32x4x16xf32>) outs(%y_init, %h_init : tensor<2x32x64xf32>, tensor<2x64x16xf32>)
  return %y, %h : tensor<2x32x64xf32>, tensor<2x64x16xf32>
}

// delta_bias is added before softplus; softplus is log1p(exp(x)), with x
// itself above 20.
// CHECK-LABEL: func.func @selective_scan_softplus(
// CHECK-SAME: %[[DELTA:[^:]*]]: tensor<1x8x64xf32>, %{{[^:]*}}: tensor<64x16xf32>, %{{[^:]*}}: tensor<1x8x1x16xf32>, %[[DB:[^:]*]]: tensor<64xf32>
// CHECK-DAG: %[[TWENTY:.*]] = arith.constant 2.000000e+01 : f32
// CHECK: %[[DT:.*]] = tensor.extract %[[DELTA]][{{.*}}] : tensor<1x8x64xf32>
// CHECK: %[[BIAS:.*]] = tensor.extract %[[DB]][%{{.*}}] : tensor<64xf32>
// CHECK: %[[X:.*]] = arith.addf %[[DT]], %[[BIAS]] : f32
// CHECK: %[[EXP:.*]] = math.exp %[[X]] : f32
// CHECK: %[[SMOOTH:.*]] = math.log1p %[[EXP]] : f32
// CHECK: %[[LARGE:.*]] = arith.cmpf ogt, %[[X]], %[[TWENTY]] : f32
// CHECK: %[[SP:.*]] = arith.select %[[LARGE]], %[[X]], %[[SMOOTH]] : f32
// CHECK: scf.for
// CHECK: arith.mulf %[[SP]], %{{.*}} : f32
// CHECK-NEXT: math.exp
func.func @selective_scan_softplus(%u: tensor<1x8x64xf32>, %delta: tensor<1x8x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x8x1x16xf32>, %db: tensor<64xf32>, %y_init: tensor<1x8x64xf32>, %h_init: tensor<1x64x16xf32>) -> (tensor<1x8x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %delta, %A, %Bm, %Bm : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>) delta_bias(%db : tensor<64xf32>) outs(%y_init, %h_init : tensor<1x8x64xf32>, tensor<1x64x16xf32>) delta_softplus
  return %y, %h : tensor<1x8x64xf32>, tensor<1x64x16xf32>
}

// After the N loop: y += Dskip[d] * u, then y *= silu(z) = z / (1 + exp(-z)).
// The initial state seeds the state tensor.
// CHECK-LABEL: func.func @selective_scan_skip_gate_initial(
// CHECK-SAME: %[[U:[^:]*]]: tensor<1x8x64xf32>, %{{[^:]*}}: tensor<64x16xf32>, %{{[^:]*}}: tensor<1x8x1x16xf32>, %[[D:[^:]*]]: tensor<64xf32>, %[[Z:[^:]*]]: tensor<1x8x64xf32>, %[[H0:[^:]*]]: tensor<1x64x16xf32>
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NOT: linalg.fill
// CHECK: %[[RES:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %[[H0]])
// CHECK: %[[UV:.*]] = tensor.extract %[[U]][
// CHECK: %[[PER_N:.*]]:2 = scf.for
// CHECK: scf.yield
// CHECK: %[[DV:.*]] = tensor.extract %[[D]][%{{.*}}] : tensor<64xf32>
// CHECK: %[[SKIP:.*]] = arith.mulf %[[DV]], %[[UV]] : f32
// CHECK: %[[Y:.*]] = arith.addf %[[PER_N]]#1, %[[SKIP]] : f32
// CHECK: %[[ZV:.*]] = tensor.extract %[[Z]][
// CHECK: %[[NEG:.*]] = arith.negf %[[ZV]] : f32
// CHECK: %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[DEN:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK: %[[SIG:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK: %[[SILU:.*]] = arith.mulf %[[ZV]], %[[SIG]] : f32
// CHECK: %[[GATED:.*]] = arith.mulf %[[Y]], %[[SILU]] : f32
// CHECK: tensor.insert %[[GATED]] into
// CHECK: return %[[RES]]#0, %[[RES]]#1
func.func @selective_scan_skip_gate_initial(%u: tensor<1x8x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x8x1x16xf32>, %D: tensor<64xf32>, %z: tensor<1x8x64xf32>, %h0: tensor<1x64x16xf32>, %y_init: tensor<1x8x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>) skip(%D : tensor<64xf32>) gate(%z : tensor<1x8x64xf32>) outs(%y_init, %h0 : tensor<1x8x64xf32>, tensor<1x64x16xf32>)
  return %y, %h : tensor<1x8x64xf32>, tensor<1x64x16xf32>
}

// bf16 activations are widened on load; only y is narrowed, the f32 state
// is not.
// CHECK-LABEL: func.func @selective_scan_bf16(
// CHECK: %[[UV:.*]] = tensor.extract %{{.*}} : tensor<1x8x64xbf16>
// CHECK: arith.extf %[[UV]] : bf16 to f32
// CHECK: scf.for
// CHECK: tensor.extract %{{.*}} : tensor<64x16xf32>
// CHECK-NOT: arith.extf
// CHECK: %[[BV:.*]] = tensor.extract %{{.*}} : tensor<1x8x2x16xbf16>
// CHECK: arith.extf %[[BV]] : bf16 to f32
// CHECK-NOT: arith.truncf
// CHECK: tensor.insert %{{.*}} : tensor<1x64x16xf32>
// CHECK: scf.yield
// CHECK: %[[NARROW:.*]] = arith.truncf %{{.*}} : f32 to bf16
// CHECK: tensor.insert %[[NARROW]] into %{{.*}} : tensor<1x8x64xbf16>
func.func @selective_scan_bf16(%u: tensor<1x8x64xbf16>, %A: tensor<64x16xf32>, %Bm: tensor<1x8x2x16xbf16>, %y_init: tensor<1x8x64xbf16>, %h_init: tensor<1x64x16xf32>) -> (tensor<1x8x64xbf16>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x8x64xbf16>, tensor<1x8x64xbf16>, tensor<64x16xf32>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>) outs(%y_init, %h_init : tensor<1x8x64xbf16>, tensor<1x64x16xf32>)
  return %y, %h : tensor<1x8x64xbf16>, tensor<1x64x16xf32>
}

// Dynamic sizes come from tensor.dim: B, T, D of u, N of A, G of Bm.
// CHECK-LABEL: func.func @selective_scan_dynamic(
// CHECK-SAME: %[[U:[^:]*]]: tensor<?x?x?xf32>, %[[A:[^:]*]]: tensor<?x?xf32>, %[[BM:[^:]*]]: tensor<?x?x?x?xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[BATCH:.*]] = tensor.dim %[[U]], %[[C0]] :
// CHECK: %[[TIME:.*]] = tensor.dim %[[U]], %[[C1]] :
// CHECK: %[[CHANNELS:.*]] = tensor.dim %[[U]], %[[C2]] :
// CHECK: %[[STATE:.*]] = tensor.dim %[[A]], %[[C1]] :
// CHECK: %[[GROUPS:.*]] = tensor.dim %[[BM]], %[[C2]] :
// CHECK: arith.divui %[[CHANNELS]], %[[GROUPS]] : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[BATCH]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[CHANNELS]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[TIME]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[STATE]] step
func.func @selective_scan_dynamic(%u: tensor<?x?x?xf32>, %A: tensor<?x?xf32>, %Bm: tensor<?x?x?x?xf32>, %y_init: tensor<?x?x?xf32>, %h_init: tensor<?x?x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%y_init, %h_init : tensor<?x?x?xf32>, tensor<?x?x?xf32>)
  return %y, %h : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}
