//===- InputChecks.cpp - Bounds on a model description --------------------===//

#include "recur/Support/InputChecks.h"

#include "mlir/IR/Location.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
/// Reports `message` at `position` of the text and fails.
LogicalResult errorAt(llvm::SourceMgr &sourceMgr, const char *position,
                      const llvm::Twine &message) {
  sourceMgr.PrintMessage(llvm::SMLoc::getFromPointer(position),
                         llvm::SourceMgr::DK_Error, message);
  return failure();
}

bool isNameChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.' || c == '-';
}
} // namespace

LogicalResult mlir::recur::checkText(llvm::SourceMgr &sourceMgr) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef text = buffer->getBuffer();
  // Operators of the chain being read at each open bracket level (the
  // outermost first), and their sum: the parser's recursion depth inside
  // affine expressions.
  SmallVector<unsigned, 64> chains = {0};
  unsigned active = 0;
  auto endChain = [&] {
    active -= chains.back();
    chains.back() = 0;
  };
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
    // Names of values, blocks and symbols may contain '-'.
    if (c == '%' || c == '^' || c == '@') {
      while (i + 1 < text.size() && isNameChar(text[i + 1]))
        ++i;
      continue;
    }
    bool isOperator = c == '+' || c == '*' ||
                      (c == '-' && !text.substr(i + 1).starts_with(">"));
    if (llvm::isAlpha(c) || c == '_') {
      size_t end = i;
      while (end + 1 < text.size() &&
             (llvm::isAlnum(text[end + 1]) || text[end + 1] == '_' ||
              text[end + 1] == '$' || text[end + 1] == '.'))
        ++end;
      StringRef word = text.slice(i, end + 1);
      isOperator = word == "floordiv" || word == "ceildiv" || word == "mod";
      i = end;
    }
    if (c == '-' && !isOperator) { // '->'
      ++i;
      continue;
    }
    if (isOperator) {
      ++chains.back();
      if (++active > kMaxExpressionLength)
        return errorAt(
            sourceMgr, text.data() + i,
            "an expression chains more than " +
                llvm::Twine(kMaxExpressionLength) +
                " operators; no model needs that, and longer chains would "
                "overflow the parser's stack");
      continue;
    }
    // An expression ends at ',', and no expression holds '=' or ':' (the
    // ops of a region are separated by them).
    if (c == ',' || c == '=' || c == ':') {
      endChain();
      continue;
    }
    // '<' opens a type or attribute unless it compares ('<='); '>' closes
    // one unless it is '>='.
    bool opens = c == '{' || c == '[' || c == '(' ||
                 (c == '<' && !text.substr(i + 1).starts_with("="));
    bool closes = c == '}' || c == ']' || c == ')' ||
                  (c == '>' && !text.substr(i + 1).starts_with("="));
    if (opens) {
      chains.push_back(0);
      if (chains.size() - 1 > kMaxNestingDepth)
        return errorAt(
            sourceMgr, text.data() + i,
            "the input nests regions, attributes or types more than " +
                llvm::Twine(kMaxNestingDepth) +
                " levels deep; no model needs that, and deeper input would "
                "overflow the parser's stack");
    } else if (closes && chains.size() > 1) {
      endChain();
      chains.pop_back();
    }
  }
  return success();
}

namespace {
/// The locations directly inside `loc`.
SmallVector<Location> childrenOf(Location loc) {
  SmallVector<Location> children;
  if (auto fused = dyn_cast<FusedLoc>(loc))
    llvm::append_range(children, fused.getLocations());
  else if (auto call = dyn_cast<CallSiteLoc>(loc))
    children = {call.getCallee(), call.getCaller()};
  else if (auto name = dyn_cast<NameLoc>(loc))
    children = {name.getChildLoc()};
  else if (auto opaque = dyn_cast<OpaqueLoc>(loc))
    children = {opaque.getFallbackLocation()};
  return children;
}

/// Measures location trees as they print (a DAG shared through aliases
/// prints once per use), without recursion, each distinct location once.
class LocationSizes {
public:
  /// The number of locations `loc` prints, saturated at kMaxLocationSize+1.
  uint64_t size(Location loc) {
    SmallVector<std::pair<Location, bool>> stack = {{loc, false}};
    while (!stack.empty()) {
      auto [top, expanded] = stack.pop_back_val();
      if (sizes.count(top))
        continue;
      SmallVector<Location> children = childrenOf(top);
      if (!expanded) {
        stack.push_back({top, true});
        for (Location child : children)
          if (!sizes.count(child))
            stack.push_back({child, false});
        continue;
      }
      uint64_t total = 1;
      for (Location child : children)
        total = std::min<uint64_t>(total + sizes.lookup(child),
                                   kMaxLocationSize + 1);
      sizes[top] = total;
    }
    return sizes.lookup(loc);
  }

private:
  llvm::DenseMap<Location, uint64_t> sizes;
};

/// The first file position inside `loc` (searched once per location), or
/// an unknown location: where to report a location that is too large.
Location firstFilePosition(Location loc) {
  SmallVector<Location> stack = {loc};
  llvm::DenseSet<Location> seen;
  while (!stack.empty()) {
    Location top = stack.pop_back_val();
    if (!seen.insert(top).second)
      continue;
    if (isa<FileLineColRange>(top))
      return top;
    SmallVector<Location> children = childrenOf(top);
    stack.append(children.rbegin(), children.rend());
  }
  return UnknownLoc::get(loc.getContext());
}
} // namespace

LogicalResult mlir::recur::checkLocations(Operation *root) {
  LocationSizes sizes;
  std::optional<Location> tooLarge;
  StringRef what;
  root->walk([&](Operation *op) {
    auto check = [&](Location loc) {
      if (sizes.size(loc) <= kMaxLocationSize)
        return false;
      tooLarge = loc;
      what = op->getName().getStringRef();
      return true;
    };
    if (check(op->getLoc()))
      return WalkResult::interrupt();
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          if (check(arg.getLoc()))
            return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (!tooLarge)
    return success();
  return emitError(firstFilePosition(*tooLarge))
         << "the location of a '" << what << "' (or of its block arguments) "
         << "expands to more than " << kMaxLocationSize
         << " locations when printed; no model needs that";
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

LogicalResult mlir::recur::checkFunctionLengths(ModuleOp module) {
  for (Operation &op : *module.getBody()) {
    uint64_t count = 0;
    op.walk([&](Operation *) { ++count; });
    if (count > kMaxOpsPerFunction)
      return op.emitError()
             << "this function has " << count << " ops, more than the "
             << kMaxOpsPerFunction
             << " a model description may have in one function (the "
                "largest published models need a tenth of that)";
  }
  return success();
}

OwningOpRef<ModuleOp>
mlir::recur::parseModelDescription(llvm::SourceMgr &sourceMgr,
                                   MLIRContext &context) {
  if (failed(checkText(sourceMgr)))
    return nullptr;
  // Verified only after its locations are measured: a diagnostic prints
  // them.
  ParserConfig config(&context, /*verifyAfterParse=*/false);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, config);
  if (!module || failed(checkLocations(*module)) ||
      failed(checkNoNestedModules(*module)) ||
      failed(checkFunctionLengths(*module)) || failed(verify(*module)))
    return nullptr;
  return module;
}
