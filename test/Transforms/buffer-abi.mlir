// RUN: recur-opt %s --recur-buffer-abi --split-input-file --verify-diagnostics | FileCheck %s

// The public function becomes the interface over buffers and calls the
// original body, now private; names and dynamic dimensions are recorded.

// CHECK-LABEL: func.func @mixer(
// CHECK-SAME: %[[Q:.*]]: memref<?x?x4xf32>, %[[K:.*]]: memref<?x?x4xf32>, %[[O:.*]]: memref<?x?x4xf32>) -> (i32, i64, i64)
// CHECK-SAME: recur.c_interface = {buffers = [{element_type = f32, name = "q", output = false, shape = ["B", "S", 4]}, {element_type = f32, name = "k", output = false, shape = ["B", "T", 4]}, {element_type = f32, name = "out", output = true, shape = ["B", "T", 4]}], dims = ["B", "S", "T"], status_messages = []}
// CHECK: %[[QT:.*]] = bufferization.to_tensor %[[Q]] restrict
// CHECK: %[[KT:.*]] = bufferization.to_tensor %[[K]] restrict
// CHECK: %[[R:.*]] = call @mixer.body(%[[QT]], %[[KT]])
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[O]]
// CHECK-DAG: %[[OK:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[NONE:.*]] = arith.constant 0 : i64
// CHECK: return %[[OK]], %[[NONE]], %[[NONE]] : i32, i64, i64
// CHECK: func.func private @mixer.body(
func.func @mixer(%q: tensor<?x?x4xf32> {recur.name = "q", recur.dim_names = ["B", "S"]},
                 %k: tensor<?x?x4xf32> {recur.name = "k"})
    -> (tensor<?x?x4xf32> {recur.name = "out"}) {
  return %k : tensor<?x?x4xf32>
}

// Private and external functions are left alone; calls to an exported
// function go to its body.
// CHECK-LABEL: func.func private @helper(
// CHECK: call @caller.body
func.func private @helper(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
func.func @caller(%a: tensor<2xf32>) -> tensor<2xf32> {
  %r = func.call @helper(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}
func.func @second(%a: tensor<2xf32>) -> tensor<2xf32> {
  %r = func.call @caller(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// expected-error @+1 {{two parameters of @f are named 'x'; set distinct 'recur.name' attributes}}
func.func @f(%a: tensor<2xf32> {recur.name = "x"}, %b: tensor<2xf32> {recur.name = "x"}) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{'recur.name' of argument 0 of @f is 'not valid', which is not a C identifier}}
func.func @f(%a: tensor<2xf32> {recur.name = "not valid"}) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{'recur.dim_names' of argument 0 of @f must give one string per dynamic dimension of 'tensor<?x?xf32>'}}
func.func @f(%a: tensor<?x?xf32> {recur.dim_names = ["B"]}) -> tensor<2xf32> {
  %c = arith.constant dense<0.0> : tensor<2xf32>
  return %c : tensor<2xf32>
}

// -----

// expected-error @+1 {{'recur.dim_names' of result 0 of @f names 3 dimensions, but 'tensor<?x?xf32>' has 2 dynamic ones}}
func.func @f(%a: tensor<?x?xf32>) -> (tensor<?x?xf32> {recur.dim_names = ["B", "T", "X"]}) {
  return %a : tensor<?x?xf32>
}

// -----

// expected-error @+1 {{dimension name 'two words' of argument 0 of @f is not a C identifier}}
func.func @f(%a: tensor<?xf32> {recur.dim_names = ["two words"]}) -> tensor<2xf32> {
  %c = arith.constant dense<0.0> : tensor<2xf32>
  return %c : tensor<2xf32>
}

// -----

// expected-error @+1 {{argument 0 of @f has element type 'complex<f32>', which has no C equivalent}}
func.func @f(%a: tensor<2xcomplex<f32>>) -> tensor<2xf32> {
  %c = arith.constant dense<0.0> : tensor<2xf32>
  return %c : tensor<2xf32>
}

// -----

// A dimension and a buffer cannot share a C parameter name.
// expected-error @+1 {{dimension name 'x' of argument 1 of @f is also the name of a buffer}}
func.func @f(%a: tensor<2xf32> {recur.name = "x"}, %b: tensor<?xf32> {recur.dim_names = ["x"]}) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// A function with a C library's name, even a private one, would replace it
// at link time: linking a model named `exp` made every exp() of the host
// program call the model.
// expected-error @+1 {{function @free has the name of a C library or compiler runtime function, which the compiled code calls or links beside; rename it}}
func.func @free(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{exported function @my-fn cannot be a C function: its name is not a C identifier}}
func.func @"my-fn"(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{'recur.name' of argument 0 of @f is 'int', which is a C or C++ keyword}}
func.func @f(%a: tensor<2xf32> {recur.name = "int"}) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{function @puts has the name of a C library or compiler runtime function}}
func.func private @puts(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{function @exp has the name of a C library or compiler runtime function}}
func.func @exp(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// The compiler runtime's symbols are reserved identifiers.
// expected-error @+1 {{function @__truncsfbf2 has the name of a C library or compiler runtime function}}
func.func @__truncsfbf2(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{exported function @_Model cannot be a C function: its name is reserved for the C implementation (it starts with '__' or '_' and a capital letter)}}
func.func @_Model(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{exported function @class cannot be a C function: its name is a C or C++ keyword}}
func.func @class(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{'recur.name' of argument 0 of @f is 'linux', which is a macro that the C and C++ compilers predefine}}
func.func @f(%a: tensor<2xf32> {recur.name = "linux"}) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{dimension name 'errno' of argument 0 of @f is a macro that <errno.h> defines}}
func.func @f(%a: tensor<?xf32> {recur.dim_names = ["errno"]}) -> tensor<2xf32> {
  %r = arith.constant dense<0.0> : tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// The byte size of a static buffer overflows int64.
// expected-error @+1 {{argument 0 of @f has type 'tensor<1x4611686018427387904x4xf32>', more than 2^63 bytes}}
func.func @f(%a: tensor<1x4611686018427387904x4xf32>) -> tensor<2xf32> {
  %r = arith.constant dense<0.0> : tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
// expected-error @+1 {{@f_status_message would clash with the status message function of the exported @f; rename one of them}}
func.func @f_status_message(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
// expected-error @+1 {{@f_info would clash with a table that the header declares for the exported @f; rename one of them}}
func.func @f_info(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{@f_shape0 would clash with a table that the header declares for the exported @f; rename one of them}}
func.func @f_shape0(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// Names that only begin like a table are fine.
// CHECK-LABEL: func.func @f_shapes(
// CHECK-LABEL: func.func @f_information(
func.func @f_shapes(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
func.func @f_information(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{'recur.c_interface' is set by --recur-buffer-abi, not by hand}}
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> attributes {recur.c_interface = {dims = [], buffers = []}} {
  return %a : tensor<2xf32>
}

// -----

// A weight packed in panels must be the panels [ceil(N / P), K, P] of its
// recur.packed_rows N.
// expected-error @+1 {{'recur.packed_rows' of argument 0 of @f is 40, but 'tensor<2x300x16xf32>' is not the panels [ceil(N / P), K, P] of a weight of 40 rows}}
func.func @f(%p: tensor<2x300x16xf32> {recur.packed_rows = 40 : i64}) -> tensor<2x300x16xf32> {
  return %p : tensor<2x300x16xf32>
}

// -----

// expected-error @+1 {{'recur.packed_rows' of argument 0 must be a positive integer (the rows of the packed weight), got 0 : i64}}
func.func @f(%p: tensor<3x300x16xf32> {recur.packed_rows = 0 : i64}) -> tensor<3x300x16xf32> {
  return %p : tensor<3x300x16xf32>
}
