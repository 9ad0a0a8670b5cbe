//===- SymbolRenaming.h - Renaming many symbols in one walk ------*- C++ -*-===//
//
// SymbolTable::rename walks the whole module for the uses of each symbol it
// renames, so renaming every exported function one by one is quadratic in
// their number. The passes that export functions rename the symbols
// themselves and then update every reference in one walk.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CODEGEN_COMMON_SYMBOLRENAMING_H
#define RECUR_LIB_CODEGEN_COMMON_SYMBOLRENAMING_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir {
namespace recur {

/// Gives `symbol` the name `newName` in `symbols` (made unique if it is
/// taken) and records the rename in `renamed`; references are not updated.
void renameSymbol(SymbolTable &symbols, Operation *symbol, StringAttr newName,
                  DenseMap<StringAttr, StringAttr> &renamed);

/// Points every symbol reference under `root` whose root name was renamed
/// at the new name, in one walk.
void updateSymbolReferences(Operation *root,
                            const DenseMap<StringAttr, StringAttr> &renamed);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CODEGEN_COMMON_SYMBOLRENAMING_H
