//===- InterfaceFile.h - The machine-readable interface file ----*- C++ -*-===//
//
// recur-compile writes, beside the object file and its C header, an
// interface file: the same functions, dimensions and buffers as the header
// (both are rendered from the `recur.c_interface` attributes), as JSON, so
// that programs (python/recur/runner.py) read it instead of parsing C:
//
//   {"format": "recur-interface", "version": 1, "threaded": true,
//    "functions": [{"name": "run", "status_message": "run_status_message",
//                   "dims": ["B", "T"],
//                   "buffers": [{"name": "q", "output": false,
//                                "dtype": "f32", "c_type": "float",
//                                "shape": ["B", "T", 16, 64]}, ...],
//                   (a weight also has "checkpoint_name": its tensor's
//                   name in a checkpoint, from recur.checkpoint_name; a
//                   weight passed in panels "packed_rows": its rows N; an
//                   input written in place "updated": true)
//                   "status_messages": ["...%lld...", ...]}, ...]}
//
// A shape lists static sizes as numbers and dynamic ones by their dimension
// name; a status s > 0 is described by status_messages[s - 1] (a printf
// format with two %lld values), and out_of_memory_status is the status of
// a failed allocation.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_EMIT_INTERFACEFILE_H
#define RECUR_EMIT_INTERFACEFILE_H

#include "recur/Emit/CInterface.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir {
namespace recur {

/// The version of the interface file's format written by this recur.
constexpr int kInterfaceFileVersion = 1;

/// Writes the interface file of every function of `module` that carries a
/// C interface, compiled for `target` (its "target" field: "cpu" or
/// "vulkan").
LogicalResult writeInterfaceFile(ModuleOp module, llvm::raw_ostream &os,
                                 InterfaceTarget target = InterfaceTarget::CPU);

} // namespace recur
} // namespace mlir

#endif // RECUR_EMIT_INTERFACEFILE_H
