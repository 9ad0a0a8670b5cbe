// RUN: recur-opt %s -split-input-file -verify-diagnostics

// The recur.* attributes that name the C interface are checked where they
// are written.

// expected-error @+1 {{'recur.name' of argument 0 must be a string, got 3 : i64}}
func.func @f(%a: tensor<2xf32> {recur.name = 3}) {
  return
}

// -----

// expected-error @+1 {{'recur.dim_names' of result 0 must be an array of strings, got "S"}}
func.func @f(%a: tensor<?xf32>) -> (tensor<?xf32> {recur.dim_names = "S"}) {
  return %a : tensor<?xf32>
}

// -----

// expected-error @+1 {{unknown attribute 'recur.dim_name' on argument 0 (expected 'recur.name', 'recur.dim_names', 'recur.checkpoint_name', 'recur.slot_indices', 'recur.sequence_offsets' or 'recur.packed_rows')}}
func.func @f(%a: tensor<?xf32> {recur.dim_name = ["S"]}) {
  return
}

// -----

// expected-error @+1 {{'recur.checkpoint_name' of argument 0 must be a non-empty printable string without '*/', got "a*/b"}}
func.func @f(%a: tensor<2xf32> {recur.checkpoint_name = "a*/b"}) {
  return
}

// -----

// expected-error @+1 {{'recur.checkpoint_name' of argument 0 must be a non-empty printable string without '*/', got 1 : i64}}
func.func @f(%a: tensor<2xf32> {recur.checkpoint_name = 1}) {
  return
}
