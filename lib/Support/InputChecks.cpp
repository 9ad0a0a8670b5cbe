//===- InputChecks.cpp - Checks of a model description before parsing -----===//

#include "recur/Support/InputChecks.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::recur;

LogicalResult mlir::recur::checkNestingDepth(llvm::SourceMgr &sourceMgr) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef text = buffer->getBuffer();
  unsigned depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') { // a string literal, with backslash escapes
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      continue;
    }
    if (c == '/' && text.substr(i).starts_with("//")) {
      i = text.find('\n', i);
      if (i == StringRef::npos)
        break;
      continue;
    }
    // '<' opens a type or attribute unless it compares ('<='); '>' closes
    // one unless it is part of '->' or '>='.
    bool opens = c == '{' || c == '[' || c == '(' ||
                 (c == '<' && !text.substr(i + 1).starts_with("="));
    bool closes = c == '}' || c == ']' || c == ')' ||
                  (c == '>' && !(i > 0 && text[i - 1] == '-') &&
                   !text.substr(i + 1).starts_with("="));
    if (opens) {
      if (++depth > kMaxNestingDepth) {
        sourceMgr.PrintMessage(
            llvm::SMLoc::getFromPointer(text.data() + i),
            llvm::SourceMgr::DK_Error,
            "the input nests regions, attributes or types more than " +
                llvm::Twine(kMaxNestingDepth) +
                " levels deep; no model needs that, and deeper input would "
                "overflow the parser's stack");
        return failure();
      }
    } else if (closes && depth > 0) {
      --depth;
    }
  }
  return success();
}

LogicalResult mlir::recur::checkNoNestedModules(ModuleOp module) {
  WalkResult walk = module->walk([&](ModuleOp nested) {
    if (nested == module)
      return WalkResult::advance();
    nested.emitError() << "a nested module is not supported: a model "
                          "description is one module whose functions are at "
                          "the top level";
    return WalkResult::interrupt();
  });
  return failure(walk.wasInterrupted());
}
