//===- SymbolRenaming.cpp - Renaming many symbols in one walk -------------===//

#include "SymbolRenaming.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::recur;

void mlir::recur::renameSymbol(SymbolTable &symbols, Operation *symbol,
                               StringAttr newName,
                               DenseMap<StringAttr, StringAttr> &renamed) {
  StringAttr oldName = SymbolTable::getSymbolName(symbol);
  symbols.remove(symbol);
  SymbolTable::setSymbolName(symbol, newName);
  // insert() makes the name unique if it is taken: record the name it kept.
  renamed[oldName] = symbols.insert(symbol);
}

void mlir::recur::updateSymbolReferences(
    Operation *root, const DenseMap<StringAttr, StringAttr> &renamed) {
  if (renamed.empty())
    return;
  AttrTypeReplacer replacer;
  replacer.addReplacement(
      [&](SymbolRefAttr ref) -> std::optional<Attribute> {
        auto it = renamed.find(ref.getRootReference());
        if (it == renamed.end())
          return std::nullopt;
        return SymbolRefAttr::get(it->second, ref.getNestedReferences());
      });
  root->walk([&](Operation *op) { replacer.replaceElementsIn(op); });
}
