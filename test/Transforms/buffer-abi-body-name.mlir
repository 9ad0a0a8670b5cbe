// RUN: recur-opt %s --recur-buffer-abi | FileCheck %s

// The private body takes a fresh name when `<name>.body` is taken, and calls
// of the exported function (here from @g) go to that body, not to the
// user's @"f.body".
// CHECK-LABEL: func.func @f(
// CHECK: call @f.body0(
// CHECK: func.func private @f.body0(
// CHECK: call @f.body(
// CHECK: func.func private @f.body(
// CHECK-LABEL: func.func private @g.body(
// CHECK: call @f.body0(
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  %r = func.call @"f.body"(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}
func.func private @"f.body"(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
func.func @g(%a: tensor<2xf32>) -> tensor<2xf32> {
  %r = func.call @f(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}
