// RUN: recur-opt %s --recur-c-wrappers | FileCheck %s

// The interface function becomes internal `.impl`; the C entry point builds
// each descriptor (pointer, pointer, offset 0, sizes, row-major strides) from
// a bare pointer and the named dimensions. Other definitions become internal.

// CHECK-LABEL: llvm.func @f(
// CHECK-SAME: %[[B:.*]]: i64, %[[IN:.*]]: !llvm.ptr, %[[OUT:.*]]: !llvm.ptr)
// CHECK-SAME: recur.c_interface
// CHECK-DAG: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-DAG: %[[SIZE4:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK-DAG: %[[STRIDE1:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-DAG: %[[STRIDE4:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK-DAG: %[[YSTRIDE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NOT: llvm.mul
// CHECK: llvm.call @f.impl(%[[IN]], %[[IN]], %[[ZERO]], %[[B]], %[[SIZE4]], %[[STRIDE4]], %[[STRIDE1]], %[[OUT]], %[[OUT]], %[[ZERO]], %[[B]], %[[YSTRIDE]])
// CHECK: llvm.func internal @f.impl(
// CHECK-NOT: recur.c_interface
// CHECK: llvm.func internal @helper(
// CHECK: llvm.func @malloc(
llvm.func @f(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64, %a4: i64, %a5: i64, %a6: i64,
             %b0: !llvm.ptr, %b1: !llvm.ptr, %b2: i64, %b3: i64, %b4: i64)
    attributes {recur.c_interface = {buffers = [
      {element_type = f32, name = "x", output = false, shape = ["B", 4]},
      {element_type = f32, name = "y", output = true, shape = ["B"]}], dims = ["B"]}} {
  llvm.return
}
llvm.func @helper() {
  llvm.return
}
llvm.func @malloc(i64) -> !llvm.ptr
