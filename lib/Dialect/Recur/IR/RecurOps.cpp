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

#include <cmath>

using namespace mlir;
using namespace mlir::recur;

#define GET_OP_CLASSES
#include "recur/Dialect/Recur/IR/RecurOps.cpp.inc"

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

LogicalResult ScanOp::verify() {
  ShapeVerifier shapes(*this);
  auto aType = dyn_cast<RankedTensorType>(getA().getType());
  if (!aType || aType.getRank() < 3)
    return emitOpError() << "'a' must be a ranked tensor [B, T, D...] with at "
                            "least one feature dimension, but has type "
                         << getA().getType();

  SmallVector<std::string> sequenceLayout = {"B", "T"};
  SmallVector<std::string> stateLayout = {"B"};
  for (int64_t i = 2; i < aType.getRank(); ++i) {
    std::string feature = "D" + std::to_string(i - 2);
    sequenceLayout.push_back(feature);
    stateLayout.push_back(feature);
  }

  if (failed(shapes.check("a", getA(), sequenceLayout)) ||
      failed(shapes.check("b", getB(), sequenceLayout)) ||
      failed(shapes.check("h", getH(), sequenceLayout)) ||
      failed(shapes.check("final_state", getFinalState(), stateLayout)))
    return failure();
  if (getInitialState() &&
      failed(shapes.check("initial_state", getInitialState(), stateLayout)))
    return failure();
  if (failed(shapes.checkSameElementType("b", getB(), "a", getA())) ||
      failed(shapes.checkSameElementType("h", getH(), "b", getB())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

LogicalResult SelectiveScanOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(shapes.check("u", getU(), {"B", "T", "D"})) ||
      failed(shapes.check("delta", getDelta(), {"B", "T", "D"})) ||
      failed(shapes.check("A", getA(), {"D", "N"})) ||
      failed(shapes.check("Bm", getBm(), {"B", "T", "G", "N"})) ||
      failed(shapes.check("Cm", getCm(), {"B", "T", "G", "N"})) ||
      failed(shapes.check("y", getY(), {"B", "T", "D"})) ||
      failed(shapes.check("final_state", getFinalState(), {"B", "D", "N"})))
    return failure();
  if (getD() && failed(shapes.check("D", getD(), {"D"})))
    return failure();
  if (getZ() && failed(shapes.check("z", getZ(), {"B", "T", "D"})))
    return failure();
  if (getDeltaBias() &&
      failed(shapes.check("delta_bias", getDeltaBias(), {"D"})))
    return failure();
  if (getInitialState() && failed(shapes.check("initial_state",
                                               getInitialState(),
                                               {"B", "D", "N"})))
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
      failed(shapes.checkSameElementType("y", getY(), "u", getU())))
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

LogicalResult LinearAttentionOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(shapes.check("q", getQ(), {"B", "T", "H", "K"})) ||
      failed(shapes.check("k", getK(), {"B", "T", "H", "K"})) ||
      failed(shapes.check("v", getV(), {"B", "T", "H", "V"})) ||
      failed(shapes.check("o", getO(), {"B", "T", "H", "V"})) ||
      failed(shapes.check("final_state", getFinalState(),
                          {"B", "H", "K", "V"})))
    return failure();

  GateKind gateKind = getGateKind();
  if ((gateKind == GateKind::none) != (getG() == nullptr))
    return emitOpError() << "gate kind '" << stringifyGateKind(gateKind)
                         << "' "
                         << (getG() ? "takes no gate operand"
                                    : "needs a gate operand 'g'");
  if (getG()) {
    LogicalResult gateShape = success();
    switch (gateKind) {
    case GateKind::head:
      gateShape = shapes.check("g", getG(), {"H"});
      break;
    case GateKind::scalar:
      gateShape = shapes.check("g", getG(), {"B", "T", "H"});
      break;
    case GateKind::key:
      gateShape = shapes.check("g", getG(), {"B", "T", "H", "K"});
      break;
    case GateKind::none:
      break;
    }
    if (failed(gateShape))
      return failure();
  }
  if (getBeta() && failed(shapes.check("beta", getBeta(), {"B", "T", "H"})))
    return failure();
  if (getBonus() && failed(shapes.check("bonus", getBonus(), {"H", "K"})))
    return failure();
  if (getInitialState() &&
      failed(shapes.check("initial_state", getInitialState(),
                          {"B", "H", "K", "V"})))
    return failure();
  if (getBonus() && getBeta())
    return emitOpError() << "'bonus' (read before an additive update) cannot "
                            "be combined with 'beta' (delta rule)";

  if (failed(shapes.checkSameElementType("k", getK(), "q", getQ())) ||
      failed(shapes.checkSameElementType("v", getV(), "q", getQ())) ||
      failed(shapes.checkSameElementType("o", getO(), "v", getV())))
    return failure();
  return verifyScale(*this, getScale(), getQ(), "key dimension K");
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

float AttentionOp::getScaleOrDefault() {
  return ::getScaleOrDefault(getScale(), getQ());
}

LogicalResult AttentionOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(shapes.check("q", getQ(), {"B", "T", "H", "D"})) ||
      failed(shapes.check("k", getK(), {"B", "S", "Hkv", "D"})) ||
      failed(shapes.check("v", getV(), {"B", "S", "Hkv", "Dv"})) ||
      failed(shapes.check("o", getO(), {"B", "T", "H", "Dv"})))
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
  if (window > 0 && !getCausal())
    return emitOpError() << "a sliding window (window = " << window
                         << ") requires 'causal'";

  if (failed(shapes.checkSameElementType("k", getK(), "q", getQ())) ||
      failed(shapes.checkSameElementType("v", getV(), "q", getQ())) ||
      failed(shapes.checkSameElementType("o", getO(), "q", getQ())))
    return failure();
  return verifyScale(*this, getScale(), getQ(), "head dimension D");
}

//===----------------------------------------------------------------------===//
// Conv1dOp
//===----------------------------------------------------------------------===//

LogicalResult Conv1dOp::verify() {
  ShapeVerifier shapes(*this);
  if (failed(shapes.check("x", getX(), {"B", "T", "C"})) ||
      failed(shapes.check("w", getW(), {"C", "W"})) ||
      failed(shapes.check("y", getY(), {"B", "T", "C"})) ||
      failed(shapes.check("final_state", getFinalState(),
                          {"B", "W - 1", "C"})))
    return failure();
  if (getBias() && failed(shapes.check("bias", getBias(), {"C"})))
    return failure();
  if (getInitialState() && failed(shapes.check("initial_state",
                                               getInitialState(),
                                               {"B", "W - 1", "C"})))
    return failure();

  std::optional<int64_t> width = staticDim(getW(), 1);
  if (width && *width < 1)
    return emitOpError() << "'w' must have a kernel width W >= 1, got " << *width;
  std::optional<int64_t> stateRows;
  if (width)
    stateRows = *width - 1;
  if (failed(shapes.checkDimEquals("final_state", getFinalState(), 1,
                                   stateRows, "W - 1")))
    return failure();
  if (getInitialState() &&
      failed(shapes.checkDimEquals("initial_state", getInitialState(), 1,
                                   stateRows, "W - 1")))
    return failure();

  if (failed(shapes.checkSameElementType("y", getY(), "x", getX())) ||
      failed(shapes.checkSameElementType("final_state", getFinalState(), "x",
                                         getX())))
    return failure();
  if (getInitialState() &&
      failed(shapes.checkSameElementType("initial_state", getInitialState(),
                                         "x", getX())))
    return failure();
  return success();
}
