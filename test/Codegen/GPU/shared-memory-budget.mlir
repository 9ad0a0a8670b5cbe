// RUN: not recur-opt %s --recur-vulkan-pipeline -o /dev/null 2>&1 | FileCheck %s
// RUN: recur-opt %s "--recur-vulkan-pipeline=shared-memory-bytes=400000" -o /dev/null

// A chunk configuration whose tiles do not fit a block's shared memory
// (here a description's own: chunks of 64 over a 128 x 128 state) is a
// located error at compile time, not a kernel that fails to launch; the
// count includes what the block's 4 warps set aside for their MMAs.
// CHECK: shared-memory-budget.mlir:[[# @LINE + 4]]:12: error: 'gpu.launch' op needs 281600 bytes of shared memory per block (3072 of them staging its MMAs), over the 32768 the target gives (shared-memory-bytes)
func.func @too_big(%q: tensor<?x?x2x128xf32>, %v: tensor<?x?x2x128xf32>,
                   %s: tensor<?x2x128x128xf32>)
    -> tensor<?x?x2x128xf32> {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x128xf32>, tensor<?x?x2x128xf32>, tensor<?x?x2x128xf32>) outs(%v, %s : tensor<?x?x2x128xf32>, tensor<?x2x128x128xf32>) {recur.chunk_config = {chunk_size = 64 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "sequential", value_block = 128 : i64}}
  return %o : tensor<?x?x2x128xf32>
}
