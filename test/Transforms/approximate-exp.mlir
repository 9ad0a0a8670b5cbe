// RUN: recur-opt %s --recur-approximate-exp | FileCheck %s

// f32 exp becomes inline range reduction and a polynomial (no libm call);
// other types keep math.exp.
// CHECK-LABEL: func.func @exp(
// CHECK-SAME: %[[X:[^:]*]]: f32, %[[Y:[^:]*]]: f64)
// CHECK-NOT: math.exp %[[X]]
// CHECK: math.floor
// CHECK: math.fma
// CHECK: math.exp %[[Y]] : f64
func.func @exp(%x: f32, %y: f64) -> (f32, f64) {
  %ex = math.exp %x : f32
  %ey = math.exp %y : f64
  return %ex, %ey : f32, f64
}
