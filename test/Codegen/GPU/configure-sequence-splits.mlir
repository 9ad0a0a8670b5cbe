// RUN: recur-opt %s --split-input-file --recur-gpu-configure="shared-memory-bytes=115712 mma-staging=false gpu-blocks=264" --verify-diagnostics | FileCheck %s
// RUN: recur-opt %s --split-input-file --recur-gpu-configure="shared-memory-bytes=115712 mma-staging=false" --verify-diagnostics | FileCheck %s --check-prefix=OFF
// RUN: not recur-opt %s --recur-gpu-configure=gpu-blocks=-1 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: --recur-gpu-configure: gpu-blocks must be >= 0
// OFF-NOT: sequence_splits

// The GPU policy splits linear attention's sequences (sequence_splits)
// where its blocks, B x H x value blocks, are at most half of the blocks
// that fill the GPU (gpu-blocks: 264 = an H100's 132 SMs x 2 blocks): into
// the fewest parts, a power of 2 up to 4, that reach 3/4 of them.
// Gated DeltaNet, B = 1, H = 32, V = 128 in blocks of 64: 64 blocks, 4
// parts of 2048 tokens make 256.
// CHECK-LABEL: func.func @gdn_one_sequence
// CHECK: recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", sequence_splits = 4 : i64, serial_below = 16 : i64, state_pass = "sequential", value_block = 64 : i64}
func.func @gdn_one_sequence(%q: tensor<1x8192x32x128xbf16>, %g: tensor<1x8192x32xf32>, %s: tensor<1x32x128x128xf32>)
    -> tensor<1x8192x32x128xbf16> {
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<1x8192x32x128xbf16>, tensor<1x8192x32x128xbf16>, tensor<1x8192x32x128xbf16>) gate scalar(%g : tensor<1x8192x32xf32>) beta(%g : tensor<1x8192x32xf32>) outs(%q, %s : tensor<1x8192x32x128xbf16>, tensor<1x32x128x128xf32>)
  return %o : tensor<1x8192x32x128xbf16>
}

// -----

// B = 8, H = 16: 256 blocks already.
// CHECK-LABEL: func.func @gdn_batch
// CHECK-NOT: sequence_splits
// CHECK: return
func.func @gdn_batch(%q: tensor<8x8192x16x128xbf16>, %g: tensor<8x8192x16xf32>, %s: tensor<8x16x128x128xf32>)
    -> tensor<8x8192x16x128xbf16> {
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<8x8192x16x128xbf16>, tensor<8x8192x16x128xbf16>, tensor<8x8192x16x128xbf16>) gate scalar(%g : tensor<8x8192x16xf32>) beta(%g : tensor<8x8192x16xf32>) outs(%q, %s : tensor<8x8192x16x128xbf16>, tensor<8x16x128x128xf32>)
  return %o : tensor<8x8192x16x128xbf16>
}

// -----

// At most 4 parts, however few the blocks (2 here): the parts' states are
// combined in a launch per part, one after the other.
// CHECK-LABEL: func.func @few_blocks
// CHECK: sequence_splits = 4 : i64
func.func @few_blocks(%q: tensor<1x8192x2x64xf32>, %s: tensor<1x2x64x64xf32>)
    -> tensor<1x8192x2x64xf32> {
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<1x8192x2x64xf32>, tensor<1x8192x2x64xf32>, tensor<1x8192x2x64xf32>) outs(%q, %s : tensor<1x8192x2x64xf32>, tensor<1x2x64x64xf32>)
  return %o : tensor<1x8192x2x64xf32>
}

// -----

// A part has 8 chunks at least: T = 256 in chunks of 16 splits in 2 parts,
// however few the blocks (2 here).
// CHECK-LABEL: func.func @short_sequence
// CHECK: sequence_splits = 2 : i64
func.func @short_sequence(%q: tensor<1x256x2x64xf32>, %s: tensor<1x2x64x64xf32>)
    -> tensor<1x256x2x64xf32> {
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<1x256x2x64xf32>, tensor<1x256x2x64xf32>, tensor<1x256x2x64xf32>) outs(%q, %s : tensor<1x256x2x64xf32>, tensor<1x2x64x64xf32>)
  return %o : tensor<1x256x2x64xf32>
}

// -----

// A run-time batch or length: the launch size is not known, no split.
// CHECK-LABEL: func.func @dynamic_length
// CHECK-NOT: sequence_splits
// CHECK: return
func.func @dynamic_length(%q: tensor<1x?x2x64xf32>, %s: tensor<1x2x64x64xf32>)
    -> tensor<1x?x2x64xf32> {
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>) outs(%q, %s : tensor<1x?x2x64xf32>, tensor<1x2x64x64xf32>)
  return %o : tensor<1x?x2x64xf32>
}

// -----

// A length with no power-of-2 parts of 8 chunks: T = 200.
// CHECK-LABEL: func.func @odd_length
// CHECK-NOT: sequence_splits
// CHECK: return
func.func @odd_length(%q: tensor<1x200x2x64xf32>, %s: tensor<1x2x64x64xf32>)
    -> tensor<1x200x2x64xf32> {
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<1x200x2x64xf32>, tensor<1x200x2x64xf32>, tensor<1x200x2x64xf32>) outs(%q, %s : tensor<1x200x2x64xf32>, tensor<1x2x64x64xf32>)
  return %o : tensor<1x200x2x64xf32>
}

// -----

// A description's own sequence_splits applies to linear attention only.
func.func @own_on_attention(%q: tensor<1x64x2x16xf32>) -> tensor<1x64x2x16xf32> {
  // expected-error @below {{recur.chunk_config: sequence_splits applies to linear attention only}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>) outs(%q : tensor<1x64x2x16xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", sequence_splits = 2 : i64, serial_below = 16 : i64, state_pass = "sequential"}}
  return %o : tensor<1x64x2x16xf32>
}
