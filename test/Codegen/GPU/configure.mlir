// RUN: recur-opt %s --split-input-file --recur-gpu-configure --verify-diagnostics | FileCheck %s
// RUN: recur-opt %s --split-input-file --recur-gpu-configure=shared-memory-bytes=115712 --verify-diagnostics | FileCheck %s --check-prefix=CUDA
// RUN: not recur-opt %s --recur-gpu-configure=chunk-size=2048 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not recur-opt %s --recur-gpu-configure=shared-memory-bytes=-1 2>&1 | FileCheck %s --check-prefix=BAD-SHARED
// BAD: error: --recur-gpu-configure: chunk-size must be in [1, 1024], got 2048
// BAD-SHARED: error: --recur-gpu-configure: shared-memory-bytes must be >= 0

// The GPU policy: linear attention takes the chunked form when its chunk
// tiles fit a block's shared memory (32 KiB by default, less the 3 KiB
// that 4 warps set aside for their MMAs): the largest chunk and the widest
// value block (a divisor of V, 64 at most) that fit.
// K = 16: chunks of 16, blocks of 40 of the 80 value columns.
// CHECK-LABEL: func.func @small_head
// Its state, a 16 x 40 tile, fits beside them too: the chunk loop carries
// it in shared memory (local_state).
// CHECK: recur.linear_attention {{.*}} {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", local_state = true, serial_below = 16 : i64, state_pass = "sequential", value_block = 40 : i64}}
func.func @small_head(%q: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x80xf32>, %s: tensor<?x2x16x80xf32>)
    -> tensor<?x?x2x80xf32> {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x80xf32>) outs(%v, %s : tensor<?x?x2x80xf32>, tensor<?x2x16x80xf32>)
  return %o : tensor<?x?x2x80xf32>
}

// -----

// K = 128 with a key gate: chunks of 16 leave room for 4 value columns at
// most, so the policy halves the chunk: 8 tokens, 8 columns (with the
// 113 KiB recur-compile gives an sm_90 block, chunks of 16 and 64 columns).
// The state does not fit beside them: it stays in its buffer (a block of
// half the columns, to make room for it, would repeat the key-side work).
// CHECK-LABEL: func.func @wide_keys
// CHECK-NOT: local_state
// CHECK: {recur.chunk_config = {chunk_size = 8 : i64, {{.*}}, value_block = 8 : i64}}
// CUDA-LABEL: func.func @wide_keys
// CUDA-NOT: local_state
// CUDA: {recur.chunk_config = {chunk_size = 16 : i64, {{.*}}, value_block = 64 : i64}}
func.func @wide_keys(%q: tensor<?x?x2x128xf32>, %v: tensor<?x?x2x128xf32>, %s: tensor<?x2x128x128xf32>)
    -> tensor<?x?x2x128xf32> {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x128xf32>, tensor<?x?x2x128xf32>, tensor<?x?x2x128xf32>) gate key(%q : tensor<?x?x2x128xf32>) outs(%v, %s : tensor<?x?x2x128xf32>, tensor<?x2x128x128xf32>)
  return %o : tensor<?x?x2x128xf32>
}

// -----

// Attention takes the chunked form (flash-style: a block per query tile of
// a group's heads) with the largest chunk whose tiles fit: 16 for D = 32 in
// f32, 8 for D = 64 in bf16 (whose 16-bit tiles come on top).
// CHECK-LABEL: func.func @attention
// CHECK: recur.attention {{.*}} {recur.chunk_config = {chunk_size = 16 : i64, key_splits = 8 : i64, linear_attention_form = "chunked", serial_below = 16 : i64, state_pass = "sequential"}}
// CHECK: recur.attention {{.*}} {recur.chunk_config = {chunk_size = 8 : i64,
func.func @attention(%q: tensor<?x?x8x32xf32>, %k: tensor<?x?x2x32xf32>,
                     %qb: tensor<?x?x8x64xbf16>, %kb: tensor<?x?x2x64xbf16>)
    -> (tensor<?x?x8x32xf32>, tensor<?x?x8x64xbf16>) {
  %o = recur.attention ins(%q, %k, %k : tensor<?x?x8x32xf32>, tensor<?x?x2x32xf32>, tensor<?x?x2x32xf32>) outs(%q : tensor<?x?x8x32xf32>) causal
  %ob = recur.attention ins(%qb, %kb, %kb : tensor<?x?x8x64xbf16>, tensor<?x?x2x64xbf16>, tensor<?x?x2x64xbf16>) outs(%qb : tensor<?x?x8x64xbf16>) causal
  return %o, %ob : tensor<?x?x8x32xf32>, tensor<?x?x8x64xbf16>
}

// -----

// Token-serial: heads of run-time size, tiles that fit no block (the
// delta rule with K = 256), and the ops without a chunked GPU form yet
// (the scans, conv1d).
// CHECK-LABEL: func.func @token_serial
// CHECK-NOT: recur.chunk_config
func.func @token_serial(%q: tensor<?x?x2x?xf32>, %v: tensor<?x?x2x8xf32>, %s: tensor<?x2x?x8xf32>,
                        %qw: tensor<?x?x2x256xf32>, %sw: tensor<?x2x256x256xf32>, %b: tensor<?x?x2xf32>,
                        %a: tensor<1x40x4xf32>, %h0: tensor<1x4xf32>)
    -> (tensor<?x?x2x8xf32>, tensor<?x?x2x256xf32>, tensor<1x40x4xf32>) {
  %o0, %s0 = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x?xf32>, tensor<?x?x2x?xf32>, tensor<?x?x2x8xf32>) outs(%v, %s : tensor<?x?x2x8xf32>, tensor<?x2x?x8xf32>) {scale = 0.25 : f32}
  %o1, %s1 = recur.linear_attention ins(%qw, %qw, %qw : tensor<?x?x2x256xf32>, tensor<?x?x2x256xf32>, tensor<?x?x2x256xf32>) gate scalar(%b : tensor<?x?x2xf32>) beta(%b : tensor<?x?x2xf32>) outs(%qw, %sw : tensor<?x?x2x256xf32>, tensor<?x2x256x256xf32>)
  %h, %last = recur.scan ins(%a, %a : tensor<1x40x4xf32>, tensor<1x40x4xf32>) outs(%a, %h0 : tensor<1x40x4xf32>, tensor<1x4xf32>)
  return %o0, %o1, %h : tensor<?x?x2x8xf32>, tensor<?x?x2x256xf32>, tensor<1x40x4xf32>
}

// -----

// A description's own configuration stays.
// CHECK-LABEL: func.func @override
// CHECK: {recur.chunk_config = {chunk_size = 4 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "sequential", value_block = 2 : i64}}
func.func @override(%q: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x8xf32>, %s: tensor<?x2x16x8xf32>)
    -> tensor<?x?x2x8xf32> {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x8xf32>) outs(%v, %s : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 4 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "sequential", value_block = 2 : i64}}
  return %o : tensor<?x?x2x8xf32>
}

// -----

func.func @bad_value_block(%q: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x8xf32>, %s: tensor<?x2x16x8xf32>)
    -> tensor<?x?x2x8xf32> {
  // expected-error @below {{'recur.linear_attention' op recur.chunk_config: value_block must be an integer in [1, 9223372036854775807]}}
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x8xf32>) outs(%v, %s : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 4 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "sequential", value_block = 0 : i64}}
  return %o : tensor<?x?x2x8xf32>
}

// -----

func.func @partial_value_block(%q: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x8xf32>, %s: tensor<?x2x16x8xf32>)
    -> tensor<?x?x2x8xf32> {
  // expected-error @below {{'recur.linear_attention' op recur.chunk_config: value_block (3) must divide the static value size V (8)}}
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x8xf32>) outs(%v, %s : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 4 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "sequential", value_block = 3 : i64}}
  return %o : tensor<?x?x2x8xf32>
}

// -----

func.func @local_state_attention(%q: tensor<?x?x8x32xf32>, %k: tensor<?x?x2x32xf32>)
    -> tensor<?x?x8x32xf32> {
  // expected-error @below {{'recur.attention' op recur.chunk_config: local_state applies to linear attention only}}
  %o = recur.attention ins(%q, %k, %k : tensor<?x?x8x32xf32>, tensor<?x?x2x32xf32>, tensor<?x?x2x32xf32>) outs(%q : tensor<?x?x8x32xf32>) causal {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", local_state = true, serial_below = 16 : i64, state_pass = "sequential"}}
  return %o : tensor<?x?x8x32xf32>
}

// -----

func.func @bad_local_state(%q: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x8xf32>, %s: tensor<?x2x16x8xf32>)
    -> tensor<?x?x2x8xf32> {
  // expected-error @below {{'recur.linear_attention' op recur.chunk_config: local_state must be true or false}}
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x8xf32>) outs(%v, %s : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 4 : i64, linear_attention_form = "chunked", local_state = 1 : i64, serial_below = 0 : i64, state_pass = "sequential"}}
  return %o : tensor<?x?x2x8xf32>
}

// -----

func.func @key_splits_linear(%q: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x8xf32>, %s: tensor<?x2x16x8xf32>)
    -> tensor<?x?x2x8xf32> {
  // expected-error @below {{'recur.linear_attention' op recur.chunk_config: key_splits applies to attention only}}
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x8xf32>) outs(%v, %s : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 4 : i64, key_splits = 2 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "sequential"}}
  return %o : tensor<?x?x2x8xf32>
}

// -----

func.func @bad_key_splits(%q: tensor<?x?x8x32xf32>, %k: tensor<?x?x2x32xf32>)
    -> tensor<?x?x8x32xf32> {
  // expected-error @below {{'recur.attention' op recur.chunk_config: key_splits must be an integer in [1, 1024]}}
  %o = recur.attention ins(%q, %k, %k : tensor<?x?x8x32xf32>, tensor<?x?x2x32xf32>, tensor<?x?x2x32xf32>) outs(%q : tensor<?x?x8x32xf32>) causal {recur.chunk_config = {chunk_size = 16 : i64, key_splits = 0 : i64, linear_attention_form = "chunked", serial_below = 16 : i64, state_pass = "sequential"}}
  return %o : tensor<?x?x8x32xf32>
}
