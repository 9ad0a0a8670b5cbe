// RUN: recur-opt %s --recur-check-description --split-input-file --verify-diagnostics

// The trust boundary: a description computes on its arguments with the
// documented dialects and reaches nothing outside the module.

// The issue's example: libc's system() through the LLVM dialect.
// expected-error @+1 {{'llvm.mlir.global' is not allowed: a model description may only use ops of the recur, func, arith, math, linalg, tensor, scf and affine dialects}}
llvm.mlir.global internal constant @command("touch /tmp/pwned\00") {addr_space = 0 : i32}
llvm.func @system(!llvm.ptr) -> i32
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{the function @close has no body: a model description may only call its own functions, not code outside it}}
func.func private @close(i32) -> i32
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : i32
  %r = func.call @close(%c0) : (i32) -> i32
  return %x : tensor<4xf32>
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'llvm.inline_asm' is not allowed}}
  %r = llvm.inline_asm has_side_effects "syscall", "=r" : () -> i64
  return %x : tensor<4xf32>
}

// -----

func.func @f(%x: tensor<4xf32>, %i: index) -> tensor<4xf32> {
  %c = arith.constant 1.0 : f32
  // expected-error @+1 {{'memref.alloc' is not allowed}}
  %m = memref.alloc() : memref<4xf32>
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{the type 'memref<4xf32>' of a block argument is not allowed}}
func.func @f(%x: memref<4xf32>) {
  return
}

// -----

// expected-error @+1 {{the type '!llvm.ptr' of a block argument is not allowed}}
func.func @f(%x: tensor<4xf32>, %p: !llvm.ptr) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{the attribute 'passthrough' is not allowed: a model description may only carry recur.* attributes (others could reach LLVM)}}
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> attributes {passthrough = ["noinline"]} {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{the attribute 'llvm.noalias' of argument 0 is not allowed}}
func.func @f(%x: tensor<4xf32> {llvm.noalias}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{the attribute 'llvm.linkage' of result 0 is not allowed}}
func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32> {llvm.linkage = 1 : i64}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{the attribute 'llvm.target_triple' is not allowed}}
module attributes {llvm.target_triple = "x86_64-unknown-linux-gnu"} {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{a linalg op with a 'library_call' is not allowed: it would call code outside the model description}}
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"], library_call = "system"}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%a: f32, %b: f32):
      linalg.yield %a : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'emitc.verbatim' is not allowed}}
  emitc.verbatim "system(\"id\");"
  return %x : tensor<4xf32>
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{the attribute 'sym_visibility' is not allowed}}
  %c = arith.constant {sym_visibility = "public"} 1.0 : f32
  return %x : tensor<4xf32>
}

// -----

// Everything a description may use passes: recur, func, arith, math,
// linalg, tensor, scf, affine, with recur.* attributes.
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = math.exp %x : tensor<4xf32>
  return %e : tensor<4xf32>
}
func.func @ok(%x: tensor<?x4xf32> {recur.name = "x", recur.dim_names = ["T"]})
    -> (tensor<?x4xf32> {recur.name = "y", recur.dim_names = ["T"]}) {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x4xf32>
  %t1 = affine.apply affine_map<(d0) -> (d0 + 1)>(%t)
  %row = tensor.extract_slice %x[0, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<4xf32>
  %h = func.call @helper(%row) : (tensor<4xf32>) -> tensor<4xf32>
  %r = scf.for %i = %c0 to %t1 step %t1 iter_args(%acc = %x) -> tensor<?x4xf32> {
    %u = tensor.insert_slice %h into %acc[0, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<?x4xf32>
    scf.yield %u : tensor<?x4xf32>
  }
  return %r : tensor<?x4xf32>
}
