//===- RecurOps.cpp - Verifiers and helpers of the recur ops --------------===//
//
// Each verifier states the op's layouts (see the op descriptions) through
// ShapeVerifier, then checks what layouts cannot say: element types,
// divisibility, attribute ranges, and which optional operands go together.
//
//===----------------------------------------------------------------------===//

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "ShapeVerifier.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::recur;

#define GET_OP_CLASSES
#include "recur/Dialect/Recur/IR/RecurOps.cpp.inc"

/// Layout-table entries of a required operand and of an optional one
/// (absent: no value).
static NamedLayout operand(StringRef name, OpOperand &use,
                           ArrayRef<std::string> dims) {
  return {name.str(), use.get(), SmallVector<std::string>(dims),
          use.getOperandNumber()};
}
static NamedLayout operand(StringRef name, MutableOperandRange uses,
                           ArrayRef<std::string> dims) {
  if (uses.empty())
    return {name.str(), Value(), SmallVector<std::string>(dims), 0};
  return operand(name, uses[0], dims);
}


/// Static size of dimension `dim` of a ranked tensor value, if known.
static std::optional<int64_t> staticDim(Value value, unsigned dim) {
  int64_t size = cast<RankedTensorType>(value.getType()).getDimSize(dim);
  if (ShapedType::isDynamic(size))
    return std::nullopt;
  return size;
}

/// The f32 value of an optional `scale` attribute.
static std::optional<float> getScaleValue(std::optional<APFloat> scale) {
  if (!scale)
    return std::nullopt;
  return scale->convertToFloat();
}

/// `scale`, or the default (last dimension of `query`)^-0.5.
static float getScaleOrDefault(std::optional<APFloat> scale, Value query) {
  if (std::optional<float> value = getScaleValue(scale))
    return *value;
  int64_t dim = cast<RankedTensorType>(query.getType()).getDimSize(3);
  return 1.0f / std::sqrt(static_cast<float>(dim));
}

/// Checks an explicit `scale`, or that the default one, computed from the
/// last dimension of `query` (`dimName`, e.g. "key dimension K"), is finite.
static LogicalResult verifyScale(Operation *op,
                                 std::optional<APFloat> scaleAttr, Value query,
                                 StringRef dimName) {
  std::optional<float> scale = getScaleValue(scaleAttr);
  if (scale && (!std::isfinite(*scale) || *scale <= 0.0f))
    return op->emitOpError() << "'scale' must be finite and positive, got "
                             << *scale;
  if (scale)
    return success();
  int64_t dim = cast<RankedTensorType>(query.getType()).getDimSize(3);
  StringRef symbol = dimName.rsplit(' ').second;
  if (ShapedType::isDynamic(dim))
    return op->emitOpError() << "a dynamic " << dimName
                             << " needs an explicit 'scale'";
  if (dim == 0)
    return op->emitOpError() << "a " << dimName << " = 0 needs an explicit "
                             << "'scale' (the default " << symbol
                             << "^-0.5 is infinite)";
  return success();
}

//===----------------------------------------------------------------------===//
// ScanOp
//===----------------------------------------------------------------------===//

LayoutTable ScanOp::getLayouts() {
  // One feature dimension D0, D1, ... per dimension of `a` after [B, T].
  auto aType = dyn_cast<RankedTensorType>(getA().getType());
  int64_t features = aType ? std::max<int64_t>(aType.getRank() - 2, 1) : 1;
  SmallVector<std::string> sequence = {"B", "T"}, state = {"B"};
  for (int64_t i = 0; i < features; ++i) {
    sequence.push_back("D" + std::to_string(i));
    state.push_back("D" + std::to_string(i));
  }
  return {operand("a", getAMutable(), sequence), operand("b", getBMutable(), sequence),
          operand("h_init", getHInitMutable(), sequence),
          operand("state", getStateMutable(), state)};
}

SmallVector<std::string> ScanOp::getParallelDims() {
  // [B, D0, D1, ...]: the layout of `a` without T.
  LayoutTable table = getLayouts();
  SmallVector<std::string> dims = table[0].dims;
  dims.erase(dims.begin() + 1);
  return dims;
}

LogicalResult ScanOp::verify() {
  ShapeVerifier shapes(*this);
  auto aType = dyn_cast<RankedTensorType>(getA().getType());
  if (!aType || aType.getRank() < 3)
    return emitOpError() << "'a' must be a ranked tensor [B, T, D...] with at "
                            "least one feature dimension, but has type "
                         << getA().getType();
  if (failed(shapes.check(getLayouts())))
    return failure();
  if (failed(shapes.checkSameElementType("b", getB(), "a", getA())) ||
      failed(shapes.checkSameElementType("h_init", getHInit(), "b", getB())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

LayoutTable SelectiveScanOp::getLayouts() {
  return {operand("u", getUMutable(), {"B", "T", "D"}),
          operand("delta", getDeltaMutable(), {"B", "T", "D"}),
          operand("A", getAMutable(), {"D", "N"}),
          operand("Bm", getBmMutable(), {"B", "T", "G", "N"}),
          operand("Cm", getCmMutable(), {"B", "T", "G", "N"}),
          operand("D", getDMutable(), {"D"}),
          operand("z", getZMutable(), {"B", "T", "D"}),
          operand("delta_bias", getDeltaBiasMutable(), {"D"}),
          operand("y_init", getYInitMutable(), {"B", "T", "D"}),
          operand("state", getStateMutable(), {"B", "D", "N"})};
}

SmallVector<std::string> SelectiveScanOp::getParallelDims() {
  return {"B", "D"};
}

LogicalResult SelectiveScanOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(shapes.check(getLayouts())))
    return failure();

  std::optional<int64_t> channels = shapes.staticSize("D");
  std::optional<int64_t> groups = shapes.staticSize("G");
  if (groups && *groups == 0)
    return emitOpError() << "'Bm' and 'Cm' must have at least one group";
  if (channels && groups && *channels % *groups != 0)
    return emitOpError() << "channels D = " << *channels
                         << " must be divisible by the groups G = " << *groups
                         << " of 'Bm' and 'Cm'";

  if (failed(shapes.checkSameElementType("delta", getDelta(), "u", getU())) ||
      failed(shapes.checkSameElementType("y_init", getYInit(), "u", getU())))
    return failure();
  if (getZ() && failed(shapes.checkSameElementType("z", getZ(), "u", getU())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// LinearAttentionOp
//===----------------------------------------------------------------------===//

float LinearAttentionOp::getScaleOrDefault() {
  return ::getScaleOrDefault(getScale(), getQ());
}

LayoutTable LinearAttentionOp::getLayouts() {
  LayoutTable table = {operand("q", getQMutable(), {"B", "T", "H", "K"}),
                       operand("k", getKMutable(), {"B", "T", "H", "K"}),
                       operand("v", getVMutable(), {"B", "T", "H", "V"})};
  // The gate's layout follows its kind (a kind without a gate operand, or
  // a gate without a kind, is the verifier's own error).
  switch (getGateKind()) {
  case GateKind::head:
    table.push_back(operand("g", getGMutable(), {"H"}));
    break;
  case GateKind::scalar:
    table.push_back(operand("g", getGMutable(), {"B", "T", "H"}));
    break;
  case GateKind::key:
    table.push_back(operand("g", getGMutable(), {"B", "T", "H", "K"}));
    break;
  case GateKind::none:
    break;
  }
  table.push_back(operand("beta", getBetaMutable(), {"B", "T", "H"}));
  table.push_back(operand("bonus", getBonusMutable(), {"H", "K"}));
  table.push_back(operand("o_init", getOInitMutable(), {"B", "T", "H", "V"}));
  table.push_back(operand("state", getStateMutable(), {"B", "H", "K", "V"}));
  return table;
}

SmallVector<std::string> LinearAttentionOp::getParallelDims() {
  // Every column of the [K, V] state evolves on its own.
  return {"B", "H", "V"};
}

LogicalResult LinearAttentionOp::verify() {
  ShapeVerifier shapes(*this);
  GateKind gateKind = getGateKind();
  if ((gateKind == GateKind::none) != (getG() == nullptr))
    return emitOpError() << "gate kind '" << stringifyGateKind(gateKind)
                         << "' "
                         << (getG() ? "takes no gate operand"
                                    : "needs a gate operand 'g'");
  if (failed(shapes.check(getLayouts())))
    return failure();
  if (getBonus() && getBeta())
    return emitOpError() << "'bonus' (read before an additive update) cannot "
                            "be combined with 'beta' (delta rule)";

  if (failed(shapes.checkSameElementType("k", getK(), "q", getQ())) ||
      failed(shapes.checkSameElementType("v", getV(), "q", getQ())) ||
      failed(shapes.checkSameElementType("o_init", getOInit(), "v", getV())))
    return failure();
  return verifyScale(*this, getScale(), getQ(), "key dimension K");
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

float AttentionOp::getScaleOrDefault() {
  return ::getScaleOrDefault(getScale(), getQ());
}

LayoutTable AttentionOp::getLayouts() {
  return {operand("q", getQMutable(), {"B", "T", "H", "D"}),
          operand("k", getKMutable(), {"B", "S", "Hkv", "D"}),
          operand("v", getVMutable(), {"B", "S", "Hkv", "Dv"}),
          operand("o_init", getOInitMutable(), {"B", "T", "H", "Dv"})};
}

SmallVector<std::string> AttentionOp::getParallelDims() {
  // The query heads H are (key/value head, head of its group): a tile of
  // them reads only its key/value heads (getProductDim). Query rows map onto
  // the causal offset S - T, so they do not slice independently.
  return {"B", "Hkv", "G", "Dv"};
}

LogicalResult AttentionOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(shapes.check(getLayouts())))
    return failure();

  std::optional<int64_t> heads = shapes.staticSize("H");
  std::optional<int64_t> kvHeads = shapes.staticSize("Hkv");
  if (kvHeads && *kvHeads == 0)
    return emitOpError() << "'k' and 'v' must have at least one head";
  if (heads && kvHeads && *heads % *kvHeads != 0)
    return emitOpError() << "query heads H = " << *heads
                         << " must be a multiple of the key/value heads Hkv = "
                         << *kvHeads;

  // The I64Attr accessor returns uint64_t; read the window as signed so that
  // a negative window is caught.
  int64_t window = static_cast<int64_t>(getWindow());
  if (window < 0)
    return emitOpError() << "'window' must be >= 0 (0 = unlimited), got "
                         << window;
  // Beyond 2^40 keys a window changes nothing; the bound keeps the index
  // arithmetic of the lowerings (i + S - T - window) from overflowing.
  if (window > (int64_t(1) << 40))
    return emitOpError() << "'window' must be at most 2^40, got " << window;
  if (window > 0 && !getCausal())
    return emitOpError() << "a sliding window (window = " << window
                         << ") requires 'causal'";

  if (failed(shapes.checkSameElementType("k", getK(), "q", getQ())) ||
      failed(shapes.checkSameElementType("v", getV(), "q", getQ())) ||
      failed(shapes.checkSameElementType("o_init", getOInit(), "q", getQ())))
    return failure();
  return verifyScale(*this, getScale(), getQ(), "head dimension D");
}

//===----------------------------------------------------------------------===//
// Conv1dOp
//===----------------------------------------------------------------------===//

LayoutTable Conv1dOp::getLayouts() {
  return {operand("x", getXMutable(), {"B", "T", "C"}),
          operand("w", getWMutable(), {"C", "W"}),
          operand("bias", getBiasMutable(), {"C"}),
          operand("y_init", getYInitMutable(), {"B", "T", "C"}),
          operand("state", getStateMutable(), {"B", "W - 1", "C"})};
}

SmallVector<std::string> Conv1dOp::getParallelDims() {
  return {"B", "C"};
}

LogicalResult Conv1dOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(shapes.check(getLayouts())))
    return failure();

  std::optional<int64_t> width = staticDim(getW(), 1);
  if (width && *width < 1)
    return emitOpError() << "'w' must have a kernel width W >= 1, got " << *width;
  std::optional<int64_t> stateRows;
  if (width)
    stateRows = *width - 1;
  if (failed(shapes.checkDimEquals("state", getState(), 1, stateRows,
                                   "W - 1")))
    return failure();

  if (failed(shapes.checkSameElementType("y_init", getYInit(), "x", getX())) ||
      failed(shapes.checkSameElementType("state", getState(), "x", getX())))
    return failure();
  return success();
}


SmallVector<std::string> mlir::recur::getParallelDims(Operation *op) {
  return llvm::TypeSwitch<Operation *, SmallVector<std::string>>(op)
      .Case<ScanOp, SelectiveScanOp, LinearAttentionOp, AttentionOp,
            Conv1dOp>([](auto recurOp) { return recurOp.getParallelDims(); })
      .Default([](Operation *) { return SmallVector<std::string>(); });
}

std::optional<ProductDim> mlir::recur::getProductDim(Operation *op) {
  if (isa<AttentionOp>(op))
    return ProductDim{"H", "Hkv", "G"};
  return std::nullopt;
}

SmallVector<DivisibilityRule> mlir::recur::getDivisibilityRules(Operation *op) {
  if (isa<AttentionOp>(op))
    return {{"H", "Hkv", "query heads per key/value head"}};
  if (isa<SelectiveScanOp>(op))
    return {{"D", "G", "channels per group of 'Bm' and 'Cm'"}};
  return {};
}
