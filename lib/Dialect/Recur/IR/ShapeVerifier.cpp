//===- ShapeVerifier.cpp - Named-dimension checks for op verifiers --------===//

#include "ShapeVerifier.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::recur;

std::string mlir::recur::formatLayout(ArrayRef<std::string> layout) {
  std::string text = "[";
  llvm::interleave(
      layout, [&](const std::string &dim) { text += dim; },
      [&] { text += ", "; });
  return text + "]";
}

LogicalResult ShapeVerifier::check(StringRef name, Value value,
                                   std::initializer_list<const char *> layout) {
  SmallVector<std::string> dims(layout.begin(), layout.end());
  return check(name, value, dims);
}

LogicalResult ShapeVerifier::check(StringRef name, Value value,
                                   ArrayRef<std::string> layout) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return op->emitOpError() << "'" << name << "' must be a ranked tensor "
                             << formatLayout(layout) << ", but has type "
                             << value.getType();
  if (type.getRank() != static_cast<int64_t>(layout.size()))
    return op->emitOpError()
           << "'" << name << "' must have rank " << layout.size() << " "
           << formatLayout(layout) << ", but has type " << type;

  for (auto [index, dimName] : llvm::enumerate(layout)) {
    int64_t size = type.getDimSize(index);
    if (ShapedType::isDynamic(size))
      continue;
    auto [it, inserted] = bindings.try_emplace(dimName, Binding{size, name.str()});
    if (inserted || it->second.size == size)
      continue;
    return op->emitOpError()
           << "'" << name << "' has " << dimName << " = " << size
           << " (dimension " << index << " of " << formatLayout(layout)
           << "), but '" << it->second.operand << "' has " << dimName << " = "
           << it->second.size;
  }
  return success();
}

LogicalResult ShapeVerifier::check(ArrayRef<NamedLayout> table) {
  for (const NamedLayout &entry : table)
    if (entry.value && failed(check(entry.name, entry.value, entry.dims)))
      return failure();
  return success();
}

LogicalResult ShapeVerifier::checkDimEquals(StringRef name, Value value,
                                            unsigned dim,
                                            std::optional<int64_t> expected,
                                            StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t size = type.getDimSize(dim);
  if (!expected || ShapedType::isDynamic(size) || size == *expected)
    return success();
  return op->emitOpError() << "'" << name << "' dimension " << dim << " is "
                           << size << ", but must be " << what << " = "
                           << *expected;
}

LogicalResult ShapeVerifier::checkSameElementType(StringRef name, Value value,
                                                  StringRef referenceName,
                                                  Value reference) {
  Type elementType = getElementTypeOrSelf(value.getType());
  Type referenceType = getElementTypeOrSelf(reference.getType());
  if (elementType == referenceType)
    return success();
  return op->emitOpError() << "'" << name << "' has element type "
                           << elementType << ", but '" << referenceName
                           << "' has " << referenceType
                           << "; they must match";
}

std::optional<int64_t> ShapeVerifier::staticSize(StringRef dim) const {
  auto it = bindings.find(dim);
  if (it == bindings.end())
    return std::nullopt;
  return it->second.size;
}
