// RUN: recur-opt %s --recur-c-wrappers --split-input-file --verify-diagnostics

// The interface attribute is validated: its names become C text in the
// header, so a hand-written one cannot inject anything.
// expected-error @+1 {{'recur.c_interface' names 'x); int evil(void', which is not a C identifier}}
llvm.func @f(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64) -> !llvm.struct<(i32, i64, i64)>
    attributes {recur.c_interface = {buffers = [
      {element_type = f32, name = "x); int evil(void", output = false, shape = [4]}],
      dims = [], status_messages = []}} {
  %0 = llvm.mlir.zero : !llvm.struct<(i32, i64, i64)>
  llvm.return %0 : !llvm.struct<(i32, i64, i64)>
}

// -----

// expected-error @+1 {{'recur.c_interface' names 'double', which is a C or C++ keyword}}
llvm.func @g(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64, %a4: i64) -> !llvm.struct<(i32, i64, i64)>
    attributes {recur.c_interface = {buffers = [
      {element_type = f32, name = "x", output = false, shape = ["double"]}],
      dims = ["double"], status_messages = []}} {
  %0 = llvm.mlir.zero : !llvm.struct<(i32, i64, i64)>
  llvm.return %0 : !llvm.struct<(i32, i64, i64)>
}

// -----

// A message is one line of printable text (it goes into a header comment).
// expected-error @+1 {{malformed 'recur.c_interface' attribute}}
llvm.func @h(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64) -> !llvm.struct<(i32, i64, i64)>
    attributes {recur.c_interface = {buffers = [
      {element_type = f32, name = "x", output = false, shape = [4]}],
      dims = [], status_messages = ["two\nlines"]}} {
  %0 = llvm.mlir.zero : !llvm.struct<(i32, i64, i64)>
  llvm.return %0 : !llvm.struct<(i32, i64, i64)>
}

// -----

// A message is a printf format with only %lld (twice at most) and %%: a
// hand-written %s or %n would make snprintf read or write anywhere.
// expected-error @+1 {{malformed 'recur.c_interface' attribute}}
llvm.func @k(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64) -> !llvm.struct<(i32, i64, i64)>
    attributes {recur.c_interface = {buffers = [
      {element_type = f32, name = "x", output = false, shape = [4]}],
      dims = [], status_messages = ["k: %s"]}} {
  %0 = llvm.mlir.zero : !llvm.struct<(i32, i64, i64)>
  llvm.return %0 : !llvm.struct<(i32, i64, i64)>
}

// -----

// expected-error @+1 {{an interface function must return '!llvm.struct<(i32, i64, i64)>' (--recur-buffer-abi), not '!llvm.void'}}
llvm.func @m(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64, %a4: i64)
    attributes {recur.c_interface = {buffers = [
      {element_type = f32, name = "x", output = false, shape = [4]}],
      dims = [], status_messages = []}} {
  llvm.return
}
