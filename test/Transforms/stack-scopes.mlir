// RUN: recur-opt %s --recur-stack-scopes | FileCheck %s

// Each iteration's stack temporaries end with it: the stack pointer is
// saved first and restored before the terminator, also where the alloca
// sits in a nested scf.if and where the body yields values.
// CHECK-LABEL: func.func @per_iteration(
// CHECK: scf.for
// CHECK-NEXT: %[[S:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK: scf.if
// CHECK: memref.alloca() : memref<16xf32>
// CHECK: llvm.intr.stackrestore %[[S]] : !llvm.ptr
// CHECK-NEXT: }
// CHECK: scf.forall
// CHECK-NEXT: %[[P:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK: memref.alloca() : memref<64x64xf32>
// CHECK: llvm.intr.stackrestore %[[P]] : !llvm.ptr
// CHECK-NEXT: }
// CHECK: scf.for {{.*}} iter_args
// CHECK-NEXT: %[[Y:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK: llvm.intr.stackrestore %[[Y]] : !llvm.ptr
// CHECK-NEXT: scf.yield
func.func @per_iteration(%n: index, %c: i1, %m: memref<?xf32>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    scf.if %c {
      %a = memref.alloca() : memref<16xf32>
      %v = memref.load %a[%c0] : memref<16xf32>
      memref.store %v, %m[%i] : memref<?xf32>
    }
  }
  scf.forall (%h) in (16) {
    %a = memref.alloca() : memref<64x64xf32>
    %v = memref.load %a[%c0, %c0] : memref<64x64xf32>
    memref.store %v, %m[%h] : memref<?xf32>
  }
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c0) -> index {
    %a = memref.alloca() : memref<16xf32>
    %s = arith.addi %acc, %i : index
    scf.yield %s : index
  }
  return %r : index
}

// Only the loop that allocates gets a scope: here the inner one.
// CHECK-LABEL: func.func @inner_only(
// CHECK: scf.for
// CHECK-NOT: llvm.intr.stacksave
// CHECK: scf.for
// CHECK-NEXT: llvm.intr.stacksave
// CHECK: llvm.intr.stackrestore
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NOT: llvm.intr.stacksave
func.func @inner_only(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      %a = memref.alloca() : memref<16xf32>
    }
  }
  scf.for %i = %c0 to %n step %c1 {
    %x = arith.addi %i, %c1 : index
  }
  return
}
