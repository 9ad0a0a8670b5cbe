// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s
// RUN: recur-opt %s --recur-lower-to-loops | FileCheck %s --check-prefix=LOWERED

// No recur op is left anywhere in the output.
// LOWERED-NOT: recur.

// Ungated, additive: loops over batch, head, time, then one state column v
// at a time; S[:, v] += k * v_t[v], then o[v] = scale * sum_k S[k, v] q[k].
// The default scale is K^-0.5 = 8^-0.5.
// CHECK-LABEL: func.func @linear_attention(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<2x16x4x8xf32>, %[[K:[^:]*]]: tensor<2x16x4x8xf32>, %[[V:[^:]*]]: tensor<2x16x4x32xf32>, %[[O_INIT:[^:]*]]: tensor<2x16x4x32xf32>, %[[S_INIT:[^:]*]]: tensor<2x4x8x32xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CHECK: %[[RES:.*]]:2 = scf.for %[[BI:[^ ]+]] = %[[C0]] to %[[C2]] step %[[C1]] iter_args(%[[O_B:[^ ]+]] = %[[O_INIT]], %[[S_B:[^ ]+]] = %[[S_INIT]]) -> (tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>)
// CHECK: %[[PER_H:.*]]:2 = scf.for %[[HI:[^ ]+]] = %[[C0]] to %[[C4]] step %[[C1]] iter_args(%[[O_H:[^ ]+]] = %[[O_B]], %[[S_H:[^ ]+]] = %[[S_B]]) -> (tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>)
// CHECK: %[[PER_T:.*]]:2 = scf.for %[[T:[^ ]+]] = %[[C0]] to %[[C16]] step %[[C1]] iter_args(%[[O_T:[^ ]+]] = %[[O_H]], %[[S_T:[^ ]+]] = %[[S_H]]) -> (tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>)
// CHECK: %[[PER_V:.*]]:2 = scf.for %[[COL:[^ ]+]] = %[[C0]] to %[[C32]] step %[[C1]] iter_args(%[[O_V:[^ ]+]] = %[[O_T]], %[[S_V:[^ ]+]] = %[[S_T]]) -> (tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>)
// CHECK-NOT: math.exp
// CHECK: %[[VV:.*]] = tensor.extract %[[V]][%[[BI]], %[[T]], %[[HI]], %[[COL]]]
// CHECK: %[[UPDATED:.*]] = scf.for %[[KI:[^ ]+]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[S_K:[^ ]+]] = %[[S_V]]) -> (tensor<2x4x8x32xf32>)
// CHECK: %[[SKV:.*]] = tensor.extract %[[S_K]][%[[BI]], %[[HI]], %[[KI]], %[[COL]]]
// CHECK: %[[KV:.*]] = tensor.extract %[[K]][%[[BI]], %[[T]], %[[HI]], %[[KI]]]
// CHECK: %[[OUTER:.*]] = arith.mulf %[[KV]], %[[VV]] : f32
// CHECK: %[[SUM:.*]] = arith.addf %[[SKV]], %[[OUTER]] : f32
// CHECK: %[[S_NEXT:.*]] = tensor.insert %[[SUM]] into %[[S_K]][%[[BI]], %[[HI]], %[[KI]], %[[COL]]]
// CHECK: scf.yield %[[S_NEXT]] : tensor<2x4x8x32xf32>
// CHECK: %[[READ:.*]] = scf.for %[[KR:[^ ]+]] = %[[C0]] to %[[C8]] step %[[C1]] iter_args(%[[ACC:[^ ]+]] = %[[ZERO]]) -> (f32)
// CHECK: tensor.extract %[[UPDATED]][%[[BI]], %[[HI]], %[[KR]], %[[COL]]]
// CHECK: tensor.extract %[[Q]][%[[BI]], %[[T]], %[[HI]], %[[KR]]]
// CHECK: %[[OV:.*]] = arith.mulf %[[SCALE]], %[[READ]] : f32
// CHECK: %[[O_NEXT:.*]] = tensor.insert %[[OV]] into %[[O_V]][%[[BI]], %[[T]], %[[HI]], %[[COL]]]
// CHECK: scf.yield %[[O_NEXT]], %[[UPDATED]] : tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>
// CHECK: scf.yield %[[PER_V]]#0, %[[PER_V]]#1
// CHECK: scf.yield %[[PER_T]]#0, %[[PER_T]]#1
// CHECK: scf.yield %[[PER_H]]#0, %[[PER_H]]#1
// CHECK: return %[[RES]]#0, %[[RES]]#1 : tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>
func.func @linear_attention(%q: tensor<2x16x4x8xf32>, %k: tensor<2x16x4x8xf32>, %v: tensor<2x16x4x32xf32>, %o_init: tensor<2x16x4x32xf32>, %s_init: tensor<2x4x8x32xf32>) -> (tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x32xf32>) outs(%o_init, %s_init : tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>)
  return %o, %s : tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>
}

// Head gate: g[h] is read once per token, and every row of the column is
// scaled by exp(g[h]) before the additive update.
// CHECK-LABEL: func.func @linear_attention_gate_head(
// CHECK-SAME: %[[G:[^:]*]]: tensor<4xf32>
// CHECK: scf.for %[[BI:[^ ]+]] =
// CHECK: scf.for %[[HI:[^ ]+]] =
// CHECK: scf.for %[[T:[^ ]+]] =
// CHECK: %[[GV:.*]] = tensor.extract %[[G]][%[[HI]]] : tensor<4xf32>
// CHECK: scf.for %[[COL:[^ ]+]] =
// CHECK: %[[DECAYED:.*]] = scf.for %[[KI:[^ ]+]] = {{.*}} -> (tensor<1x4x8x8xf32>)
// CHECK: %[[DECAY:.*]] = math.exp %[[GV]] : f32
// CHECK: %[[SV:.*]] = tensor.extract %{{.*}}[%[[BI]], %[[HI]], %[[KI]], %[[COL]]]
// CHECK: %[[SCALED:.*]] = arith.mulf %[[DECAY]], %[[SV]] : f32
// CHECK: tensor.insert %[[SCALED]] into %{{.*}}[%[[BI]], %[[HI]], %[[KI]], %[[COL]]]
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %[[DECAYED]]) -> (tensor<1x4x8x8xf32>)
func.func @linear_attention_gate_head(%q: tensor<1x4x4x8xf32>, %g: tensor<4xf32>, %o_init: tensor<1x4x4x8xf32>, %s_init: tensor<1x4x8x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) gate head(%g : tensor<4xf32>) outs(%o_init, %s_init : tensor<1x4x4x8xf32>, tensor<1x4x8x8xf32>)
  return %o, %s : tensor<1x4x4x8xf32>, tensor<1x4x8x8xf32>
}

// Scalar gate: g[b, t, h], read once per token. scale = 1 is used as given.
// CHECK-LABEL: func.func @linear_attention_gate_scalar(
// CHECK-SAME: %[[G:[^:]*]]: tensor<1x4x2xf32>
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: scf.for %[[BI:[^ ]+]] =
// CHECK: scf.for %[[HI:[^ ]+]] =
// CHECK: scf.for %[[T:[^ ]+]] =
// CHECK: %[[GV:.*]] = tensor.extract %[[G]][%[[BI]], %[[T]], %[[HI]]] : tensor<1x4x2xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: math.exp %[[GV]] : f32
// CHECK: arith.mulf %[[SCALE]], %{{.*}} : f32
func.func @linear_attention_gate_scalar(%q: tensor<1x4x2x8xf32>, %g: tensor<1x4x2xf32>, %o_init: tensor<1x4x2x8xf32>, %s_init: tensor<1x2x8x8xf32>) -> (tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) gate scalar(%g : tensor<1x4x2xf32>) outs(%o_init, %s_init : tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>) {scale = 1.0 : f32}
  return %o, %s : tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>
}

// Key gate in f32 with bf16 q/k/v: g[b, t, h, k] is read per key row inside
// the decay loop and is not widened; q, k, v are widened; o is narrowed and
// the f32 state is not. The initial state seeds the state tensor.
// CHECK-LABEL: func.func @linear_attention_gate_key_bf16(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x4x2x8xbf16>, %[[K:[^:]*]]: tensor<1x4x2x8xbf16>, %[[V:[^:]*]]: tensor<1x4x2x8xbf16>, %[[G:[^:]*]]: tensor<1x4x2x8xf32>, %[[H0:[^:]*]]: tensor<1x2x8x8xf32>
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-NOT: linalg.fill
// CHECK: %[[RES:.*]]:2 = scf.for %[[BI:[^ ]+]] = {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %[[H0]])
// CHECK: scf.for %[[HI:[^ ]+]] =
// CHECK: scf.for %[[T:[^ ]+]] =
// CHECK: scf.for %[[COL:[^ ]+]] =
// CHECK: scf.for %[[KI:[^ ]+]] = {{.*}} -> (tensor<1x2x8x8xf32>)
// CHECK: %[[GV:.*]] = tensor.extract %[[G]][%[[BI]], %[[T]], %[[HI]], %[[KI]]] : tensor<1x4x2x8xf32>
// CHECK-NEXT: %[[DECAY:.*]] = math.exp %[[GV]] : f32
// CHECK: %[[VV:.*]] = tensor.extract %[[V]][%[[BI]], %[[T]], %[[HI]], %[[COL]]] : tensor<1x4x2x8xbf16>
// CHECK-NEXT: %[[VF:.*]] = arith.extf %[[VV]] : bf16 to f32
// CHECK: %[[KV:.*]] = tensor.extract %[[K]][{{.*}}] : tensor<1x4x2x8xbf16>
// CHECK-NEXT: %[[KF:.*]] = arith.extf %[[KV]] : bf16 to f32
// CHECK-NEXT: arith.mulf %[[KF]], %[[VF]] : f32
// CHECK-NOT: arith.truncf
// CHECK: tensor.insert %{{.*}} : tensor<1x2x8x8xf32>
// CHECK: %[[QV:.*]] = tensor.extract %[[Q]][{{.*}}] : tensor<1x4x2x8xbf16>
// CHECK-NEXT: arith.extf %[[QV]] : bf16 to f32
// CHECK: %[[OV:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK-NEXT: %[[NARROW:.*]] = arith.truncf %[[OV]] : f32 to bf16
// CHECK-NEXT: tensor.insert %[[NARROW]] into %{{.*}} : tensor<1x4x2x8xbf16>
// CHECK: return %[[RES]]#0, %[[RES]]#1 : tensor<1x4x2x8xbf16>, tensor<1x2x8x8xf32>
func.func @linear_attention_gate_key_bf16(%q: tensor<1x4x2x8xbf16>, %k: tensor<1x4x2x8xbf16>, %v: tensor<1x4x2x8xbf16>, %g: tensor<1x4x2x8xf32>, %h0: tensor<1x2x8x8xf32>, %o_init: tensor<1x4x2x8xbf16>) -> (tensor<1x4x2x8xbf16>, tensor<1x2x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<1x4x2x8xbf16>, tensor<1x4x2x8xbf16>, tensor<1x4x2x8xbf16>) gate key(%g : tensor<1x4x2x8xf32>) outs(%o_init, %h0 : tensor<1x4x2x8xbf16>, tensor<1x2x8x8xf32>) {scale = 0.125 : f32}
  return %o, %s : tensor<1x4x2x8xbf16>, tensor<1x2x8x8xf32>
}

// Delta rule with a scalar gate (Gated DeltaNet): decay, then
// x = beta * (v[v] - sum_k S'[k, v] k[k]), then S[k, v] += k[k] * x, then
// read from the updated state.
// CHECK-LABEL: func.func @linear_attention_gated_delta_rule(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x4x2x8xf32>, %[[K:[^:]*]]: tensor<1x4x2x8xf32>, %[[V:[^:]*]]: tensor<1x4x2x8xf32>, %[[G:[^:]*]]: tensor<1x4x2xf32>, %[[BETA:[^:]*]]: tensor<1x4x2xf32>
// CHECK: scf.for %[[BI:[^ ]+]] =
// CHECK: scf.for %[[HI:[^ ]+]] =
// CHECK: scf.for %[[T:[^ ]+]] =
// CHECK: tensor.extract %[[G]][%[[BI]], %[[T]], %[[HI]]]
// CHECK: %[[BV:.*]] = tensor.extract %[[BETA]][%[[BI]], %[[T]], %[[HI]]] : tensor<1x4x2xf32>
// CHECK: scf.for %[[COL:[^ ]+]] =
// CHECK: %[[DECAYED:.*]] = scf.for
// CHECK: math.exp
// CHECK: %[[VV:.*]] = tensor.extract %[[V]][%[[BI]], %[[T]], %[[HI]], %[[COL]]]
// CHECK: %[[PRED:.*]] = scf.for %[[KR:[^ ]+]] = {{.*}} -> (f32)
// CHECK: tensor.extract %[[DECAYED]][%[[BI]], %[[HI]], %[[KR]], %[[COL]]]
// CHECK: tensor.extract %[[K]][%[[BI]], %[[T]], %[[HI]], %[[KR]]]
// CHECK: %[[ERR:.*]] = arith.subf %[[VV]], %[[PRED]] : f32
// CHECK: %[[WRITTEN:.*]] = arith.mulf %[[BV]], %[[ERR]] : f32
// CHECK: %[[UPDATED:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[DECAYED]]) -> (tensor<1x2x8x8xf32>)
// CHECK: %[[KV:.*]] = tensor.extract %[[K]][
// CHECK: arith.mulf %[[KV]], %[[WRITTEN]] : f32
// CHECK: scf.for {{.*}} -> (f32)
// CHECK: tensor.extract %[[UPDATED]][
// CHECK: tensor.extract %[[Q]][
func.func @linear_attention_gated_delta_rule(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x2x8xf32>, %g: tensor<1x4x2xf32>, %beta: tensor<1x4x2xf32>, %o_init: tensor<1x4x2x8xf32>, %s_init: tensor<1x2x8x8xf32>) -> (tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) gate scalar(%g : tensor<1x4x2xf32>) beta(%beta : tensor<1x4x2xf32>) outs(%o_init, %s_init : tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>)
  return %o, %s : tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>
}

// Delta rule without a gate: no exp, the prediction reads the old state.
// CHECK-LABEL: func.func @linear_attention_delta_rule(
// CHECK-SAME: %[[BETA:[^:]*]]: tensor<1x4x2xf32>
// CHECK-NOT: math.exp
// CHECK: tensor.extract %[[BETA]][
// CHECK-NOT: math.exp
// CHECK: scf.for %{{.*}} -> (tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>)
// CHECK-NOT: math.exp
// CHECK: arith.subf
// CHECK-NOT: math.exp
// CHECK: return
func.func @linear_attention_delta_rule(%q: tensor<1x4x2x8xf32>, %beta: tensor<1x4x2xf32>, %o_init: tensor<1x4x2x8xf32>, %s_init: tensor<1x2x8x8xf32>) -> (tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) beta(%beta : tensor<1x4x2xf32>) outs(%o_init, %s_init : tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>)
  return %o, %s : tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>
}

// Bonus (RWKV-6): w = sum_k q[k] * bonus[h, k] * k[k] once per token; per
// column the read S_{t-1}^T q happens before the decay and update, and
// o[v] = scale * (before + w * v[v]).
// CHECK-LABEL: func.func @linear_attention_bonus(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x4x2x8xf32>, %[[K:[^:]*]]: tensor<1x4x2x8xf32>, %[[V:[^:]*]]: tensor<1x4x2x8xf32>, %[[G:[^:]*]]: tensor<1x4x2x8xf32>, %[[U:[^:]*]]: tensor<2x8xf32>
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: scf.for %[[BI:[^ ]+]] =
// CHECK: scf.for %[[HI:[^ ]+]] =
// CHECK: scf.for %[[T:[^ ]+]] =
// CHECK: %[[W:.*]] = scf.for %[[KW:[^ ]+]] = {{.*}} -> (f32)
// CHECK: %[[QW:.*]] = tensor.extract %[[Q]][%[[BI]], %[[T]], %[[HI]], %[[KW]]]
// CHECK: %[[UW:.*]] = tensor.extract %[[U]][%[[HI]], %[[KW]]] : tensor<2x8xf32>
// CHECK: %[[QU:.*]] = arith.mulf %[[QW]], %[[UW]] : f32
// CHECK: %[[KW_V:.*]] = tensor.extract %[[K]][%[[BI]], %[[T]], %[[HI]], %[[KW]]]
// CHECK: arith.mulf %[[QU]], %[[KW_V]] : f32
// CHECK: scf.for %[[COL:[^ ]+]] = {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[S_V:[^ ]+]] = %{{.*}}) -> (tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>)
// CHECK: %[[BEFORE:.*]] = scf.for {{.*}} -> (f32)
// CHECK: tensor.extract %[[S_V]][
// CHECK: tensor.extract %[[Q]][
// CHECK: scf.yield
// CHECK: %[[DECAYED:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[S_V]]) -> (tensor<1x2x8x8xf32>)
// CHECK: tensor.extract %[[G]][
// CHECK: math.exp
// CHECK: %[[VV:.*]] = tensor.extract %[[V]][%[[BI]], %[[T]], %[[HI]], %[[COL]]]
// CHECK: %[[UPDATED:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[DECAYED]]) -> (tensor<1x2x8x8xf32>)
// CHECK: scf.yield
// CHECK-NOT: scf.for
// CHECK: %[[BONUS:.*]] = arith.mulf %[[W]], %[[VV]] : f32
// CHECK: %[[READ:.*]] = arith.addf %[[BEFORE]], %[[BONUS]] : f32
// CHECK: %[[OV:.*]] = arith.mulf %[[SCALE]], %[[READ]] : f32
// CHECK: tensor.insert %[[OV]] into
// CHECK: scf.yield %{{.*}}, %[[UPDATED]] :
func.func @linear_attention_bonus(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x2x8xf32>, %g: tensor<1x4x2x8xf32>, %u: tensor<2x8xf32>, %o_init: tensor<1x4x2x8xf32>, %s_init: tensor<1x2x8x8xf32>) -> (tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) gate key(%g : tensor<1x4x2x8xf32>) bonus(%u : tensor<2x8xf32>) outs(%o_init, %s_init : tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>) {scale = 0.5 : f32}
  return %o, %s : tensor<1x4x2x8xf32>, tensor<1x2x8x8xf32>
}

// Dynamic sizes come from tensor.dim: B, T, H, K of q and V of v.
// CHECK-LABEL: func.func @linear_attention_dynamic(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<?x?x?x?xf32>, %[[V:[^:]*]]: tensor<?x?x?x?xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[BATCH:.*]] = tensor.dim %[[Q]], %[[C0]] :
// CHECK: %[[TIME:.*]] = tensor.dim %[[Q]], %[[C1]] :
// CHECK: %[[HEADS:.*]] = tensor.dim %[[Q]], %[[C2]] :
// CHECK: %[[KEYS:.*]] = tensor.dim %[[Q]], %[[C3]] :
// CHECK: %[[VALUES:.*]] = tensor.dim %[[V]], %[[C3]] :
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[BATCH]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[HEADS]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[TIME]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[VALUES]] step
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[KEYS]] step
func.func @linear_attention_dynamic(%q: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>, %o_init: tensor<?x?x?x?xf32>, %s_init: tensor<?x?x?x?xf32>) -> (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%o_init, %s_init : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) {scale = 0.25 : f32}
  return %o, %s : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
}
