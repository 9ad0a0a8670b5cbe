//===- CNames.h - Which names the C interface may use ------------*- C++ -*-===//
//
// Exported functions, their buffers and their dimensions become C names in
// the header, which host programs include beside the standard C, POSIX and
// C++ headers, and, for functions, global symbols in the object file,
// linked beside the C and math libraries, the OpenMP runtime and the
// compiler runtime. A name is usable when it is a C identifier that no C or
// C++ keyword, reserved identifier, name of recur's own (recur_*, RECUR_*:
// the header's include guard among them), macro, declaration of those
// headers or library symbol already claims. All but the keywords are read
// from the system when recur is built (lib/Target/gen_reserved_names.py).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_EMIT_CNAMES_H
#define RECUR_EMIT_CNAMES_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
namespace recur {

/// Why `name` cannot be a parameter of the interface, a buffer or a
/// dimension ("is a C or C++ keyword", "is a macro that <limits.h>
/// defines"), or nothing when it can.
std::optional<std::string> whyNotCName(llvm::StringRef name);

/// Why `name` cannot be an exported function: everything whyNotCName
/// rejects, a leading '_' (reserved at file scope), the parameters of the
/// header's NAME_call functions (dims, buffers), and a name whose tables
/// in the header (NAME_info, NAME_status_message, ...) would be taken.
std::optional<std::string> whyNotCFunctionName(llvm::StringRef name);

/// True when `name` is a symbol of a library that compiled code calls or
/// links beside (C, math, OpenMP, C++, compiler and MLIR runtimes) or a
/// reserved one ('__'): a function of the model, even a private one, must
/// not have that name.
bool isRuntimeSymbol(llvm::StringRef name);

} // namespace recur
} // namespace mlir

#endif // RECUR_EMIT_CNAMES_H
