// RUN: recur-opt %s --split-input-file --recur-cpu-configure --verify-diagnostics | FileCheck %s
// RUN: recur-opt %s --split-input-file --recur-cpu-configure="chunk-size=32 state-pass=parallel serial-below=4 linear-attention-form=recurrent" --verify-diagnostics | FileCheck %s --check-prefix=OPTIONS
// RUN: not recur-opt %s --split-input-file --recur-chunk 2>&1 | FileCheck %s --check-prefix=UNCONFIGURED

// The CPU policy: the chunked form of linear attention from a 128 x 128
// state on, unless the gate is per key; the token-serial steps otherwise.
// CHECK-LABEL: func.func @forms
// CHECK: recur.linear_attention {{.*}} {recur.chunk_config = {chunk_size = 64 : i64, linear_attention_form = "chunked", serial_below = 16 : i64, state_pass = "sequential"}}
// CHECK: recur.linear_attention {{.*}} {recur.chunk_config = {chunk_size = 64 : i64, linear_attention_form = "recurrent", serial_below = 16 : i64, state_pass = "sequential"}}
// CHECK: recur.linear_attention {{.*}} {recur.chunk_config = {chunk_size = 64 : i64, linear_attention_form = "recurrent", serial_below = 16 : i64, state_pass = "sequential"}}
// The options, for every op.
// OPTIONS-LABEL: func.func @forms
// OPTIONS-COUNT-3: {recur.chunk_config = {chunk_size = 32 : i64, linear_attention_form = "recurrent", serial_below = 4 : i64, state_pass = "parallel"}}
// UNCONFIGURED: error: 'recur.linear_attention' op has no recur.chunk_config dictionary (run a target's configuration step, --recur-cpu-configure, first)
func.func @forms(%q: tensor<1x8x2x128xf32>, %v: tensor<1x8x2x128xf32>,
                 %g: tensor<1x8x2x128xf32>, %s: tensor<1x2x128x128xf32>,
                 %qs: tensor<1x8x2x16xf32>, %ss: tensor<1x2x16x16xf32>)
    -> (tensor<1x8x2x128xf32>, tensor<1x8x2x128xf32>, tensor<1x8x2x16xf32>) {
  %o0, %s0 = recur.linear_attention ins(%q, %q, %v : tensor<1x8x2x128xf32>, tensor<1x8x2x128xf32>, tensor<1x8x2x128xf32>) outs(%v, %s : tensor<1x8x2x128xf32>, tensor<1x2x128x128xf32>)
  %o1, %s1 = recur.linear_attention ins(%q, %q, %v : tensor<1x8x2x128xf32>, tensor<1x8x2x128xf32>, tensor<1x8x2x128xf32>) gate key(%g : tensor<1x8x2x128xf32>) outs(%v, %s : tensor<1x8x2x128xf32>, tensor<1x2x128x128xf32>)
  %o2, %s2 = recur.linear_attention ins(%qs, %qs, %qs : tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) outs(%qs, %ss : tensor<1x8x2x16xf32>, tensor<1x2x16x16xf32>)
  return %o0, %o1, %o2 : tensor<1x8x2x128xf32>, tensor<1x8x2x128xf32>, tensor<1x8x2x16xf32>
}

// -----

// A description's own configuration overrides the policy for its op.
// CHECK-LABEL: func.func @override
// CHECK: recur.scan {{.*}} {recur.chunk_config = {chunk_size = 8 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "parallel"}}
// OPTIONS-LABEL: func.func @override
// OPTIONS: chunk_size = 8 : i64
func.func @override(%a: tensor<1x40x4xf32>, %h0: tensor<1x4xf32>) -> tensor<1x40x4xf32> {
  %h, %s = recur.scan ins(%a, %a : tensor<1x40x4xf32>, tensor<1x40x4xf32>) outs(%a, %h0 : tensor<1x40x4xf32>, tensor<1x4xf32>) {recur.chunk_config = {chunk_size = 8 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "parallel"}}
  return %h : tensor<1x40x4xf32>
}

// -----

func.func @bad_chunk_size(%a: tensor<1x40x4xf32>, %h0: tensor<1x4xf32>) -> tensor<1x40x4xf32> {
  // expected-error @below {{'recur.scan' op recur.chunk_config: chunk_size must be an integer in [1, 1024]}}
  %h, %s = recur.scan ins(%a, %a : tensor<1x40x4xf32>, tensor<1x40x4xf32>) outs(%a, %h0 : tensor<1x40x4xf32>, tensor<1x4xf32>) {recur.chunk_config = {chunk_size = 2048 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "parallel"}}
  return %h : tensor<1x40x4xf32>
}

// -----

func.func @bad_form(%a: tensor<1x40x4xf32>, %h0: tensor<1x4xf32>) -> tensor<1x40x4xf32> {
  // expected-error @below {{'recur.scan' op recur.chunk_config: linear_attention_form must be "chunked" or "recurrent"}}
  %h, %s = recur.scan ins(%a, %a : tensor<1x40x4xf32>, tensor<1x40x4xf32>) outs(%a, %h0 : tensor<1x40x4xf32>, tensor<1x4xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "auto", serial_below = 0 : i64, state_pass = "parallel"}}
  return %h : tensor<1x40x4xf32>
}

// -----

func.func @unknown_entry(%a: tensor<1x40x4xf32>, %h0: tensor<1x4xf32>) -> tensor<1x40x4xf32> {
  // expected-error @below {{'recur.scan' op recur.chunk_config: unknown entry 'tile'}}
  %h, %s = recur.scan ins(%a, %a : tensor<1x40x4xf32>, tensor<1x40x4xf32>) outs(%a, %h0 : tensor<1x40x4xf32>, tensor<1x4xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "parallel", tile = 3 : i64}}
  return %h : tensor<1x40x4xf32>
}
