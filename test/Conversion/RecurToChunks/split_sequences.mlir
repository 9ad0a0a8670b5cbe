// RUN: recur-opt %s --split-input-file --recur-split-sequences --cse --verify-diagnostics | FileCheck %s
// RUN: recur-opt %s --split-input-file --recur-split-sequences --recur-chunk --verify-diagnostics | FileCheck %s --check-prefix=CHUNK

// sequence_splits = 4 of T = 64 with a key gate: the sequences as 4 x B
// sequences of 16 tokens (reshapes, no copies); every part's end state from
// zero (a linear attention configured without the split), the sums of each
// part's log-gates, the states entering parts 1 to 3 (exp(G) S + E, each a
// step of its own), then every part's outputs from its entering state, and
// the last part's end state as the final state.
// CHECK-LABEL: func.func @key_gate(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x64x2x16xf32>, %[[V:[^:]+]]: tensor<?x64x2x8xf32>, %[[G:[^:]+]]: tensor<?x64x2x16xf32>, %[[S:[^:]+]]: tensor<?x2x16x8xf32>
// CHECK: %[[QE:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [%{{.+}}, 4, 16, 2, 16]
// CHECK: %[[QP:.+]] = tensor.collapse_shape %[[QE]] {{\[}}[0, 1], [2], [3], [4]] : tensor<?x4x16x2x16xf32> into tensor<?x16x2x16xf32>
// CHECK: %{{.+}}, %[[ENDS:.+]] = recur.linear_attention ins(%[[QP]], %[[QP]], %{{.+}} : tensor<?x16x2x16xf32>, tensor<?x16x2x16xf32>, tensor<?x16x2x8xf32>) gate key(%{{.+}} : tensor<?x16x2x16xf32>) outs(%{{.+}}, %{{.+}} : tensor<?x16x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", serial_below = 16 : i64, state_pass = "sequential"}}
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]} ins(%{{.+}} : tensor<?x4x16x2x16xf32>) outs(%{{.+}} : tensor<?x4x2x16xf32>)
// CHECK: tensor.insert_slice %[[S]] into %{{.+}}[0, 0, 0, 0, 0]
// CHECK-COUNT-3: math.exp
// CHECK-NOT: math.exp
// CHECK: %[[OUT:.+]], %[[LAST:.+]] = recur.linear_attention ins(%[[QP]], %[[QP]], %{{.+}} : {{.*}}) gate key({{.*}}) outs(%{{.+}}, %{{.+}} : tensor<?x16x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", serial_below = 16 : i64, state_pass = "sequential"}}
// CHECK: %[[LASTS:.+]] = tensor.expand_shape %[[LAST]]
// CHECK: %[[FINAL:.+]] = tensor.extract_slice %[[LASTS]][0, 3, 0, 0, 0]
// CHECK: %[[OE:.+]] = tensor.expand_shape %[[OUT]] {{\[}}[0, 1], [2], [3], [4]] output_shape [%{{.+}}, 4, 16, 2, 8]
// CHECK: %[[O:.+]] = tensor.collapse_shape %[[OE]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x4x16x2x8xf32> into tensor<?x64x2x8xf32>
// CHECK: return %[[O]], %[[FINAL]]
// The parts' end states: a chunk loop that updates the state only (its
// forall has the state as its only destination), whose output nothing
// reads.
// CHUNK-LABEL: func.func @key_gate(
// CHUNK: scf.forall {{.*}} shared_outs(%{{[^ ]+}} = %{{[^ ]+}}) -> (tensor<?x2x16x8xf32>)
// CHUNK: scf.forall {{.*}} shared_outs(%{{[^ ]+}} = %{{[^ ]+}}, %{{[^ ]+}} = %{{[^ ]+}}) -> (tensor<?x16x2x8xf32>, tensor<?x2x16x8xf32>)
func.func @key_gate(%q: tensor<?x64x2x16xf32>, %v: tensor<?x64x2x8xf32>, %g: tensor<?x64x2x16xf32>, %s: tensor<?x2x16x8xf32>)
    -> (tensor<?x64x2x8xf32>, tensor<?x2x16x8xf32>) {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x64x2x16xf32>, tensor<?x64x2x16xf32>, tensor<?x64x2x8xf32>) gate key(%g : tensor<?x64x2x16xf32>) outs(%v, %s : tensor<?x64x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", sequence_splits = 4 : i64, serial_below = 16 : i64, state_pass = "sequential"}}
  return %o, %h : tensor<?x64x2x8xf32>, tensor<?x2x16x8xf32>
}

// -----

// The delta rule: the parts' transitions are the end states of a fourth
// linear attention over zero values from the identity, [K, K], whose value
// block is the widest divisor of K = 12 up to the op's 8 value columns; the
// step into part 1 is E_0 + M_0 S_0.
// CHECK-LABEL: func.func @delta(
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<2x2x2x12x12xf32>)
// CHECK: linalg.index 3
// CHECK: linalg.index 4
// CHECK: arith.cmpi eq
// CHECK: recur.linear_attention {{.*}} beta({{.*}}) outs(%{{.+}}, %{{.+}} : tensor<4x32x2x12xf32>, tensor<4x2x12x12xf32>) {recur.chunk_config = {{{.*}}value_block = 6 : i64}}
// CHECK: linalg.copy
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<2x2x12x12xf32>, tensor<2x2x12x8xf32>)
// CHECK: recur.linear_attention {{.*}} {recur.chunk_config = {{{.*}}value_block = 8 : i64}}
func.func @delta(%q: tensor<2x64x2x12xf32>, %v: tensor<2x64x2x8xf32>, %beta: tensor<2x64x2xf32>, %s: tensor<2x2x12x8xf32>)
    -> (tensor<2x64x2x8xf32>, tensor<2x2x12x8xf32>) {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<2x64x2x12xf32>, tensor<2x64x2x12xf32>, tensor<2x64x2x8xf32>) beta(%beta : tensor<2x64x2xf32>) outs(%v, %s : tensor<2x64x2x8xf32>, tensor<2x2x12x8xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", sequence_splits = 2 : i64, serial_below = 16 : i64, state_pass = "sequential", value_block = 8 : i64}}
  return %o, %h : tensor<2x64x2x8xf32>, tensor<2x2x12x8xf32>
}

// -----

func.func @not_dividing(%q: tensor<1x60x2x16xf32>, %s: tensor<1x2x16x16xf32>) -> tensor<1x60x2x16xf32> {
  // expected-error @below {{recur.chunk_config: sequence_splits (8) must divide the static sequence length T (60)}}
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<1x60x2x16xf32>, tensor<1x60x2x16xf32>, tensor<1x60x2x16xf32>) outs(%q, %s : tensor<1x60x2x16xf32>, tensor<1x2x16x16xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", sequence_splits = 8 : i64, serial_below = 16 : i64, state_pass = "sequential"}}
  return %o : tensor<1x60x2x16xf32>
}

// -----

func.func @dynamic_length(%q: tensor<1x?x2x16xf32>, %s: tensor<1x2x16x16xf32>) -> tensor<1x?x2x16xf32> {
  // expected-error @below {{recur.chunk_config: sequence_splits (2) must divide the static sequence length T (?)}}
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>) outs(%q, %s : tensor<1x?x2x16xf32>, tensor<1x2x16x16xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", sequence_splits = 2 : i64, serial_below = 16 : i64, state_pass = "sequential"}}
  return %o : tensor<1x?x2x16xf32>
}

// -----

func.func @scan(%a: tensor<1x64x4xf32>, %s: tensor<1x4xf32>) -> tensor<1x64x4xf32> {
  // expected-error @below {{recur.chunk_config: sequence_splits applies to linear attention only}}
  %h, %last = recur.scan ins(%a, %a : tensor<1x64x4xf32>, tensor<1x64x4xf32>) outs(%a, %s : tensor<1x64x4xf32>, tensor<1x4xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", sequence_splits = 2 : i64, serial_below = 16 : i64, state_pass = "sequential"}}
  return %h : tensor<1x64x4xf32>
}

// -----

func.func @malformed(%q: tensor<1x64x2x16xf32>, %s: tensor<1x2x16x16xf32>) -> tensor<1x64x2x16xf32> {
  // expected-error @below {{recur.chunk_config: sequence_splits must be an integer in [1, 256]}}
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>) outs(%q, %s : tensor<1x64x2x16xf32>, tensor<1x2x16x16xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", sequence_splits = 0 : i64, serial_below = 16 : i64, state_pass = "sequential"}}
  return %o : tensor<1x64x2x16xf32>
}
