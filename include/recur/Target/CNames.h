//===- CNames.h - Which names the C interface may use ------------*- C++ -*-===//
//
// Exported functions, their buffers and their dimensions become C names in
// the header and, for functions, global symbols in the object file, linked
// beside the C and math libraries and the compiler runtime. A name is
// usable when it is a C identifier that no C or C++ keyword, predefined
// macro, reserved identifier or library symbol already claims.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_TARGET_CNAMES_H
#define RECUR_TARGET_CNAMES_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
namespace recur {

/// Why `name` cannot be a parameter of the interface, a buffer or a
/// dimension ("is a C++ keyword"), or nothing when it can.
std::optional<std::string> whyNotCName(llvm::StringRef name);

/// Why `name` cannot be an exported function: everything whyNotCName
/// rejects, and the symbols of the libraries it is linked beside.
std::optional<std::string> whyNotCFunctionName(llvm::StringRef name);

/// True when `name` is a function of the C or math library or the compiler
/// runtime that compiled code calls or links beside (a function of the
/// model, even a private one, must not have that name).
bool isRuntimeSymbol(llvm::StringRef name);

} // namespace recur
} // namespace mlir

#endif // RECUR_TARGET_CNAMES_H
