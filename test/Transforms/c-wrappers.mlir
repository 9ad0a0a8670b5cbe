// RUN: recur-opt %s --recur-c-wrappers | FileCheck %s

// The interface function becomes internal `.impl`; the C entry point builds
// each descriptor (pointer, pointer, offset 0, sizes, row-major strides) from
// a bare pointer and the named dimensions, returns the status and keeps the
// two values of a failed check in thread-local storage. Other definitions
// become internal.

// CHECK-DAG: llvm.mlir.global internal constant @f.status_format1("f: dimension B = %lld is negative\00")
// CHECK-DAG: llvm.mlir.global internal constant @f.status_ok("f: success\00")
// CHECK-DAG: llvm.mlir.global internal constant @f.status_unknown("f: unknown status code\00")
// CHECK-DAG: llvm.mlir.global internal constant @f.status_out_of_memory("f: out of memory: a temporary of %lld bytes could not be allocated (-1: 2^63 bytes or more)\00")
// CHECK-DAG: llvm.mlir.global internal thread_local @f.status_text()

// f_status_message: 0, -1 (out of memory) and each check's number have their
// text, any other status the unknown one; a text with values is formatted
// with those of the last failed call.
// CHECK-LABEL: llvm.func @f_status_message(
// CHECK: llvm.switch %{{.*}} : i32, ^[[UNKNOWN:bb[0-9]+]] [
// CHECK-NEXT: 0: ^[[OK:bb[0-9]+]],
// CHECK-NEXT: -1: ^[[OOM:bb[0-9]+]],
// CHECK-NEXT: 1: ^[[FORMAT1:bb[0-9]+]]
// CHECK: llvm.call @snprintf(
// CHECK: ^[[OK]]:
// CHECK: llvm.mlir.addressof @f.status_ok
// CHECK: ^[[UNKNOWN]]:
// CHECK: llvm.mlir.addressof @f.status_unknown
// CHECK: ^[[OOM]]:
// CHECK: llvm.mlir.addressof @f.status_out_of_memory
// CHECK: ^[[FORMAT1]]:
// CHECK: llvm.mlir.addressof @f.status_format1

// The entry point calls _setjmp first: when an allocation fails it returns
// the status the failure recorded (-1) with the size; otherwise it builds the descriptors, calls the
// implementation, and keeps the values of a failed check.
// CHECK-LABEL: llvm.func @f(
// CHECK-SAME: %[[B:.*]]: i64, %[[IN:.*]]: !llvm.ptr, %[[OUT:.*]]: !llvm.ptr) -> i32
// CHECK-SAME: status_messages = ["f: dimension B = %lld is negative"]
// CHECK: %[[JUMPED:.*]] = llvm.call @_setjmp(
// CHECK: %[[CAUGHT:.*]] = llvm.icmp "ne" %[[JUMPED]]
// CHECK: llvm.cond_br %[[CAUGHT]], ^[[FAILED:bb[0-9]+]], ^[[WORK:bb[0-9]+]]
// CHECK: ^[[FAILED]]:
// CHECK: llvm.mlir.addressof @recur.failed_size
// CHECK: %[[STATUS_AT:.*]] = llvm.mlir.addressof @recur.failed_status
// CHECK: %[[FAILED_STATUS:.*]] = llvm.load %[[STATUS_AT]] : !llvm.ptr -> i32
// CHECK: llvm.return %[[FAILED_STATUS]] : i32
// CHECK: ^[[WORK]]:
// CHECK-DAG: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-DAG: %[[SIZE4:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK-DAG: %[[STRIDE1:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-DAG: %[[STRIDE4:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK-DAG: %[[YSTRIDE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NOT: llvm.mul
// CHECK: %[[RESULT:.*]] = llvm.call @f.impl(%[[IN]], %[[IN]], %[[ZERO]], %[[B]], %[[SIZE4]], %[[STRIDE4]], %[[STRIDE1]], %[[OUT]], %[[OUT]], %[[ZERO]], %[[B]], %[[YSTRIDE]])
// CHECK: %[[STATUS:.*]] = llvm.extractvalue %[[RESULT]][0]
// CHECK: %[[NONZERO:.*]] = llvm.icmp "ne" %[[STATUS]]
// CHECK: llvm.cond_br %[[NONZERO]], ^[[RECORD:bb[0-9]+]], ^[[DONE:bb[0-9]+]]
// CHECK: ^[[RECORD]]:
// CHECK: llvm.mlir.addressof @f.status_values
// CHECK: llvm.extractvalue %[[RESULT]][1]
// CHECK: llvm.store
// CHECK: llvm.extractvalue %[[RESULT]][2]
// CHECK: llvm.store
// CHECK: ^[[DONE]]:
// CHECK: llvm.return %[[STATUS]] : i32
// CHECK: llvm.mlir.global internal thread_local @f.status_values()
// CHECK: llvm.func internal @f.impl(
// CHECK-SAME: no_inline
// CHECK-NOT: recur.c_interface
// CHECK: llvm.func internal @helper(
// CHECK: llvm.func @malloc(

// The module allocates: every malloc goes through a checked allocator that
// records the size and long-jumps back to the entry point.
// CHECK: llvm.mlir.global internal thread_local @recur.jump_buffer(){{.*}}: !llvm.array<128 x i64>
// CHECK: llvm.func internal @recur.checked_malloc(%[[SIZE:.*]]: i64) -> !llvm.ptr
// CHECK: llvm.call @malloc(%[[SIZE]])
// CHECK: llvm.call @_longjmp(
// CHECK: llvm.unreachable
llvm.func @f(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64, %a4: i64, %a5: i64, %a6: i64,
             %b0: !llvm.ptr, %b1: !llvm.ptr, %b2: i64, %b3: i64, %b4: i64)
    -> !llvm.struct<(i32, i64, i64)>
    attributes {recur.c_interface = {buffers = [
      {element_type = f32, name = "x", output = false, shape = ["B", 4]},
      {element_type = f32, name = "y", output = true, shape = ["B"]}], dims = ["B"],
      status_messages = ["f: dimension B = %lld is negative"]}} {
  %0 = llvm.mlir.zero : !llvm.struct<(i32, i64, i64)>
  llvm.return %0 : !llvm.struct<(i32, i64, i64)>
}
llvm.func @helper() {
  llvm.return
}
llvm.func @malloc(i64) -> !llvm.ptr
