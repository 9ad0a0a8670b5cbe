// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s
// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s --check-prefix=LOWERED

// No recur op is left anywhere in the output.
// LOWERED-NOT: recur.

// Non-causal: a batch, query, head nest threading only the output; every
// query sees keys [0, S). Two passes over the keys (max, then exp-sum and the
// weighted f32 accumulator), and a query with no visible key yields 0 through
// arith.select.
// CHECK-LABEL: func.func @attention(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x8x4x16xf32>, %[[K:[^:]*]]: tensor<1x8x4x16xf32>, %[[V:[^:]*]]: tensor<1x8x4x32xf32>, %[[O_INIT:[^:]*]]: tensor<1x8x4x32xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[PER_KV:.*]] = arith.divui %[[C4]], %[[C4]] : index
// CHECK: %[[RES:.*]] = scf.for %[[BI:[^ ]+]] = %[[C0]] to %[[C1]] step %[[C1]] iter_args(%[[O_B:[^ ]+]] = %[[O_INIT]]) -> (tensor<1x8x4x32xf32>)
// CHECK: %[[PER_I:.*]] = scf.for %[[I:[^ ]+]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[O_I:[^ ]+]] = %[[O_B]]) -> (tensor<1x8x4x32xf32>)
// CHECK: %[[PER_H:.*]] = scf.for %[[HI:[^ ]+]] = %[[C0]] to %[[C4]] step %[[C1]] iter_args(%[[O_H:[^ ]+]] = %[[O_I]]) -> (tensor<1x8x4x32xf32>)
// CHECK: %[[KV_HEAD:.*]] = arith.divui %[[HI]], %[[PER_KV]] : index
// CHECK-NOT: arith.minsi
// CHECK-NOT: arith.maxsi
// CHECK: %[[MAX:.*]] = scf.for %[[J:[^ ]+]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[M:[^ ]+]] = %[[NEG_INF]]) -> (f32)
// CHECK: %[[DOT:.*]] = scf.for %[[D:[^ ]+]] = %[[C0]] to %[[C16]] step %[[C1]] iter_args(%[[P:[^ ]+]] = %[[ZERO]]) -> (f32)
// CHECK: tensor.extract %[[Q]][%[[BI]], %[[I]], %[[HI]], %[[D]]]
// CHECK: tensor.extract %[[K]][%[[BI]], %[[J]], %[[KV_HEAD]], %[[D]]]
// CHECK: %[[S:.*]] = arith.mulf %[[SCALE]], %[[DOT]] : f32
// CHECK: %[[M_NEXT:.*]] = arith.maximumf %[[M]], %[[S]] : f32
// CHECK: scf.yield %[[M_NEXT]] : f32
// CHECK: %[[ACC_EMPTY:.*]] = tensor.empty(%[[C32]]) : tensor<?xf32>
// CHECK: %[[ACC_INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[ACC_EMPTY]] : tensor<?xf32>)
// CHECK: %[[SUMS:.*]]:2 = scf.for %[[J2:[^ ]+]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[L:[^ ]+]] = %[[ZERO]], %[[ACC:[^ ]+]] = %[[ACC_INIT]]) -> (f32, tensor<?xf32>)
// CHECK: %[[S2:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK: %[[SAME:.*]] = arith.cmpf oeq, %[[S2]], %[[MAX]] : f32
// CHECK: %[[SHIFTED:.*]] = arith.subf %[[S2]], %[[MAX]] : f32
// CHECK: %[[E:.*]] = math.exp %[[SHIFTED]] : f32
// CHECK: %[[W:.*]] = arith.select %[[SAME]], %[[ONE:.*]], %[[E]] : f32
// CHECK: %[[ACC_NEXT:.*]] = scf.for %[[DV:[^ ]+]] = %[[C0]] to %[[C32]] step %[[C1]] iter_args(%[[A:[^ ]+]] = %[[ACC]]) -> (tensor<?xf32>)
// CHECK: tensor.extract %[[V]][%[[BI]], %[[J2]], %[[KV_HEAD]], %[[DV]]]
// CHECK: %[[L_NEXT:.*]] = arith.addf %[[L]], %[[W]] : f32
// CHECK: scf.yield %[[L_NEXT]], %[[ACC_NEXT]] : f32, tensor<?xf32>
// CHECK: %[[ANY:.*]] = arith.cmpi slt, %[[C0]], %[[C8]] : index
// CHECK: %[[WRITTEN:.*]] = scf.for %[[DV2:[^ ]+]] = %[[C0]] to %[[C32]] step %[[C1]] iter_args(%[[O_D:[^ ]+]] = %[[O_H]]) -> (tensor<1x8x4x32xf32>)
// CHECK: %[[AV:.*]] = tensor.extract %[[SUMS]]#1[%[[DV2]]] : tensor<?xf32>
// CHECK: %[[NORM:.*]] = arith.divf %[[AV]], %[[SUMS]]#0 : f32
// CHECK: %[[OUT:.*]] = arith.select %[[ANY]], %[[NORM]], %[[ZERO]] : f32
// CHECK: %[[O_NEXT:.*]] = tensor.insert %[[OUT]] into %[[O_D]][%[[BI]], %[[I]], %[[HI]], %[[DV2]]] : tensor<1x8x4x32xf32>
// CHECK: scf.yield %[[O_NEXT]] : tensor<1x8x4x32xf32>
// CHECK: scf.yield %[[WRITTEN]] : tensor<1x8x4x32xf32>
// CHECK: scf.yield %[[PER_H]] : tensor<1x8x4x32xf32>
// CHECK: scf.yield %[[PER_I]] : tensor<1x8x4x32xf32>
// CHECK: return %[[RES]] : tensor<1x8x4x32xf32>
func.func @attention(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %o_init: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) outs(%o_init : tensor<1x8x4x32xf32>)
  return %o : tensor<1x8x4x32xf32>
}

// Causal with a KV cache (S = 12 keys, T = 4 queries): query i sees keys
// j < min(S, i + (S - T) + 1), so both key loops run to that bound.
// CHECK-LABEL: func.func @attention_causal_kv_cache(
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK: %[[OFFSET:.*]] = arith.subi %[[C12]], %[[C4]] : index
// CHECK: scf.for %[[BI:[^ ]+]] =
// CHECK: scf.for %[[I:[^ ]+]] =
// CHECK: scf.for %[[HI:[^ ]+]] =
// CHECK: %[[DIAG:.*]] = arith.addi %[[I]], %[[OFFSET]] : index
// CHECK: %[[DIAG1:.*]] = arith.addi %[[DIAG]], %[[C1]] : index
// CHECK: %[[UPPER:.*]] = arith.minsi %[[C12]], %[[DIAG1]] : index
// CHECK-NOT: arith.maxsi
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[UPPER]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[UPPER]] step
// CHECK: arith.select
func.func @attention_causal_kv_cache(%q: tensor<1x4x2x16xf32>, %k: tensor<1x12x2x16xf32>, %o_init: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  %o = recur.attention ins(%q, %k, %k : tensor<1x4x2x16xf32>, tensor<1x12x2x16xf32>, tensor<1x12x2x16xf32>) outs(%o_init : tensor<1x4x2x16xf32>) causal
  return %o : tensor<1x4x2x16xf32>
}

// Sliding window: keys from max(0, i + (S - T) - window + 1).
// CHECK-LABEL: func.func @attention_window(
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: scf.for %{{.*}} -> (tensor<1x8x2x16xf32>)
// CHECK: scf.for %[[I:[^ ]+]] = {{.*}} -> (tensor<1x8x2x16xf32>)
// CHECK: scf.for %{{.*}} -> (tensor<1x8x2x16xf32>)
// CHECK: %[[DIAG:.*]] = arith.addi %[[I]], %{{.*}} : index
// CHECK: %[[UPPER:.*]] = arith.minsi
// CHECK: %[[BACK:.*]] = arith.subi %[[DIAG]], %[[C3]] : index
// CHECK: %[[START:.*]] = arith.addi %[[BACK]], %[[C1]] : index
// CHECK: %[[LOWER:.*]] = arith.maxsi %[[C0]], %[[START]] : index
// CHECK: scf.for %{{.*}} = %[[LOWER]] to %[[UPPER]] step
// CHECK: scf.for %{{.*}} = %[[LOWER]] to %[[UPPER]] step
func.func @attention_window(%q: tensor<1x8x2x16xf32>, %o_init: tensor<1x8x2x16xf32>) -> tensor<1x8x2x16xf32> {
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) outs(%o_init : tensor<1x8x2x16xf32>) causal {window = 3 : i64}
  return %o : tensor<1x8x2x16xf32>
}

// GQA: query head h reads key/value head h / (H / Hkv) = h / (8 / 2).
// An explicit scale replaces D^-0.5.
// CHECK-LABEL: func.func @attention_gqa(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x4x8x16xf32>, %[[K:[^:]*]]: tensor<1x4x2x16xf32>, %[[V:[^:]*]]: tensor<1x4x2x16xf32>
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[PER_KV:.*]] = arith.divui %[[C8]], %[[C2]] : index
// CHECK: scf.for %[[HI:[^ ]+]] = %{{.*}} to %[[C8]] step
// CHECK: %[[KV_HEAD:.*]] = arith.divui %[[HI]], %[[PER_KV]] : index
// CHECK: tensor.extract %[[Q]][%{{.*}}, %{{.*}}, %[[HI]], %{{.*}}]
// CHECK: tensor.extract %[[K]][%{{.*}}, %{{.*}}, %[[KV_HEAD]], %{{.*}}]
// CHECK: arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK: tensor.extract %[[V]][%{{.*}}, %{{.*}}, %[[KV_HEAD]], %{{.*}}]
func.func @attention_gqa(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x2x16xf32>, %v: tensor<1x4x2x16xf32>, %o_init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>) outs(%o_init : tensor<1x4x8x16xf32>) causal {scale = 1.0 : f32}
  return %o : tensor<1x4x8x16xf32>
}

// f16 inputs are widened for the dot products and the value sum; the output
// is narrowed after the empty-row select.
// CHECK-LABEL: func.func @attention_f16(
// CHECK: %[[QV:.*]] = tensor.extract %{{.*}} : tensor<1x4x2x16xf16>
// CHECK-NEXT: arith.extf %[[QV]] : f16 to f32
// CHECK: %[[KV:.*]] = tensor.extract %{{.*}} : tensor<1x4x2x16xf16>
// CHECK-NEXT: arith.extf %[[KV]] : f16 to f32
// CHECK: %[[VV:.*]] = tensor.extract %{{.*}} : tensor<1x4x2x8xf16>
// CHECK-NEXT: arith.extf %[[VV]] : f16 to f32
// CHECK: %[[OUT:.*]] = arith.select
// CHECK-NEXT: %[[NARROW:.*]] = arith.truncf %[[OUT]] : f32 to f16
// CHECK-NEXT: tensor.insert %[[NARROW]] into %{{.*}} : tensor<1x4x2x8xf16>
func.func @attention_f16(%q: tensor<1x4x2x16xf16>, %v: tensor<1x4x2x8xf16>, %o_init: tensor<1x4x2x8xf16>) -> tensor<1x4x2x8xf16> {
  %o = recur.attention ins(%q, %q, %v : tensor<1x4x2x16xf16>, tensor<1x4x2x16xf16>, tensor<1x4x2x8xf16>) outs(%o_init : tensor<1x4x2x8xf16>) causal
  return %o : tensor<1x4x2x8xf16>
}

// CHECK-LABEL: func.func @attention_bf16(
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @attention_bf16(%q: tensor<1x4x2x16xbf16>, %o_init: tensor<1x4x2x16xbf16>) -> tensor<1x4x2x16xbf16> {
  %o = recur.attention ins(%q, %q, %q : tensor<1x4x2x16xbf16>, tensor<1x4x2x16xbf16>, tensor<1x4x2x16xbf16>) outs(%o_init : tensor<1x4x2x16xbf16>)
  return %o : tensor<1x4x2x16xbf16>
}

// Dynamic sizes come from tensor.dim: B, T, H, D of q, S and Hkv of k, Dv of v;
// the accumulator and the output are sized by them.
// CHECK-LABEL: func.func @attention_dynamic(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<?x?x?x?xf32>, %[[K:[^:]*]]: tensor<?x?x?x?xf32>, %[[V:[^:]*]]: tensor<?x?x?x?xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[BATCH:.*]] = tensor.dim %[[Q]], %[[C0]] :
// CHECK: %[[QUERIES:.*]] = tensor.dim %[[Q]], %[[C1]] :
// CHECK: %[[HEADS:.*]] = tensor.dim %[[Q]], %[[C2]] :
// CHECK: %[[HEAD_DIM:.*]] = tensor.dim %[[Q]], %[[C3]] :
// CHECK: %[[KEYS:.*]] = tensor.dim %[[K]], %[[C1]] :
// CHECK: %[[KV_HEADS:.*]] = tensor.dim %[[K]], %[[C2]] :
// CHECK: %[[VALUE_DIM:.*]] = tensor.dim %[[V]], %[[C3]] :
// CHECK-NOT: cf.assert
// CHECK: arith.divui %[[HEADS]], %[[KV_HEADS]] : index
// CHECK: arith.subi %[[KEYS]], %[[QUERIES]] : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[BATCH]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[QUERIES]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[HEADS]] step
// CHECK: arith.minsi %[[KEYS]], %{{.*}} : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[HEAD_DIM]] step
// CHECK: tensor.empty(%[[VALUE_DIM]]) : tensor<?xf32>
func.func @attention_dynamic(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>, %o_init: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%o_init : tensor<?x?x?x?xf32>) causal {scale = 0.125 : f32}
  return %o : tensor<?x?x?x?xf32>
}
