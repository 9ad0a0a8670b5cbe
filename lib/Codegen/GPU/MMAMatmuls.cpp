//===- MMAMatmuls.cpp - Tile matmuls as warp-wide m16n8k16 MMAs -----------===//
//
// A matmul C[M, N] += A[M, K] B[K, N] on static tiles of a chunked form's
// block (f32 C; f32, bf16 or f16 A and B; any of A B, A^T B, A B^T: the
// operands are read through the op's indexing maps) becomes
//
//   scf.parallel (%it) = (0) to (fragments * 32) {recur.gpu.warp_lanes}
//     fragment = it / 32, lane = it % 32: output rows 16 fm + [0, 16),
//     columns 8 fn + [0, 8), with g = lane / 4 and q = lane % 4
//     c[i]  = C[16 fm + g + 8 (i / 2), 8 fn + 2 q + i % 2]          i < 4
//     for each 16 columns k0 of the reduction:
//       a[i] = A[16 fm + g + 8 ((i / 2) % 2), k0 + 2 q + i % 2 + 8 (i / 4)]
//                                                                  i < 8
//       b[i] = B[k0 + 2 q + i % 2 + 8 (i / 2), 8 fn + g]               i < 4
//       c = @__recur_mma_m16n8k16_<type>(a, b, c)   (up to three times when
//                                                    split)
//     C[...] = c
//
// which is what PTX's mma.sync.aligned.m16n8k16.row.col gives each lane.
// Elements past the tile's edges read as 0 and results there are not
// stored, so any M, N, K works, and a fragment past the last (the padding
// that gives every thread the same trip count, --recur-gpu-map-to-launches)
// does nothing.
//
// Precision. By default each f32 element x is high + low, high = bf16(x),
// low = bf16(x - high), and a step is the three MMAs low x high,
// high x low, high x high: products keep about 16 bits, so results stay
// within f32 tolerances. A bf16 operand (a tile of bf16 inputs, which
// --recur-gpu-narrow-matmul-operands passes as it is) is its own high part:
// its low part is 0, and the MMA that would multiply it is left out (one
// MMA a step when both are). With input-precision, the matmuls of a 16-bit op
// (recur.operand_precision) round their operands to its input type, one
// MMA a step.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "recur/Conversion/RecurToChunks/ChunkConfig.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURGPUMMAMATMULS
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

static constexpr StringLiteral kMMAFunctionPrefix = "__recur_mma_m16n8k16_";

std::string mlir::recur::getMMAFunctionName(Type operandType) {
  return (kMMAFunctionPrefix + (operandType.isBF16() ? "bf16" : "f16")).str();
}

bool mlir::recur::isMMAFunctionName(StringRef name) {
  return name.starts_with(kMMAFunctionPrefix);
}

void mlir::recur::eraseMMADeclarations(gpu::GPUModuleOp module) {
  for (auto function :
       llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (isMMAFunctionName(function.getName()))
      function.erase();
}

namespace {
/// A matmul the pass rewrites: its loop dimensions and static extents.
struct TileMatmul {
  linalg::LinalgOp op;
  /// The operands' type in each MMA (bf16 or f16); `split`: each f32
  /// operand is the sum of two bf16 (high and low parts) and the matmul
  /// three MMAs, so that products keep about 16 bits.
  Type precision;
  bool split;
  /// Whether A, B are of the precision's type: their own high parts.
  bool aExact, bExact;
  unsigned mDim, nDim, kDim;
  int64_t rows, columns, depth; // M, N, K
};
} // namespace

/// Whether `op` sits in a block of a chunked form, outside the loops its
/// threads share: its outermost forall is mapped to GPU blocks, or is an
/// unmapped forall on the host, whose iterations become blocks (chunked
/// attention's).
static bool inSharedBlock(Operation *op) {
  scf::ForallOp outermost;
  for (Operation *parent = op->getParentOp(); parent;
       parent = parent->getParentOp()) {
    if (isa<scf::ParallelOp>(parent))
      return false;
    auto forall = dyn_cast<scf::ForallOp>(parent);
    if (!forall)
      continue;
    if (std::optional<ArrayAttr> mapping = forall.getMapping();
        mapping && llvm::any_of(*mapping,
                                llvm::IsaPred<gpu::GPUThreadMappingAttr,
                                              gpu::GPUWarpMappingAttr>))
      return false;
    outermost = forall;
  }
  if (!outermost)
    return false;
  std::optional<ArrayAttr> mapping = outermost.getMapping();
  return !mapping || mapping->empty() ||
         llvm::all_of(*mapping, llvm::IsaPred<gpu::GPUBlockMappingAttr>);
}

static std::optional<TileMatmul> matchTileMatmul(linalg::LinalgOp op,
                                                  bool inputPrecision) {
  // Operands in their op's input type where asked and that is 16-bit;
  // otherwise split into bf16 pairs.
  Type precision = Float32Type::get(op.getContext());
  if (auto input = op->getAttrOfType<TypeAttr>(kOperandPrecisionAttr);
      inputPrecision && input &&
      (input.getValue().isBF16() || input.getValue().isF16()))
    precision = input.getValue();
  bool split = precision.isF32();
  if (split)
    precision = BFloat16Type::get(op.getContext());
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 3 ||
      !linalg::isaContractionOpInterface(op) || !inSharedBlock(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || !dims->batch.empty() || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1)
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !op.getMatchingIndexingMap(&operand).isProjectedPermutation())
      return std::nullopt;
    Type element = type.getElementType();
    bool isInput = op.isDpsInput(&operand);
    if (!element.isF32() && !(isInput && (element.isBF16() || element.isF16())))
      return std::nullopt;
  }
  auto isExact = [&](OpOperand *operand) {
    return getElementTypeOrSelf(operand->get().getType()) == precision;
  };
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  if (llvm::any_of(extents, ShapedType::isDynamic))
    return std::nullopt;
  return TileMatmul{op,
                    precision,
                    split,
                    isExact(op.getDpsInputOperand(0)),
                    isExact(op.getDpsInputOperand(1)),
                    dims->m.front(),
                    dims->n.front(),
                    dims->k.front(),
                    extents[dims->m.front()],
                    extents[dims->n.front()],
                    extents[dims->k.front()]};
}

/// The declaration of the MMA function for `precision` in `module`.
static func::FuncOp declareMMA(ModuleOp module, Type precision) {
  std::string name = getMMAFunctionName(precision);
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Type f32 = b.getF32Type();
  SmallVector<Type> inputs(8 + 4, precision);
  inputs.append(4, f32);
  auto function =
      func::FuncOp::create(b, module.getLoc(), name,
                           b.getFunctionType(inputs, SmallVector<Type>(4, f32)));
  function.setPrivate();
  return function;
}

namespace {
/// Emits one lane's part of a fragment's MMA at `b`.
class LaneEmitter {
public:
  LaneEmitter(ImplicitLocOpBuilder &b, TileMatmul matmul)
      : b(b), matmul(matmul) {}

  /// The element of operand `operand` at loop point (m, n, k), or 0 past
  /// the tile's edges (the loop dimensions the operand reads).
  Value load(OpOperand &operand, Value m, Value n, Value k) {
    SmallVector<Value> indices;
    Value inside = indicesOf(operand, m, n, k, indices);
    Value element = memref::LoadOp::create(b, operand.get(), indices);
    return arith::SelectOp::create(
        b, inside, element,
        arith::ConstantOp::create(b, b.getZeroAttr(element.getType())));
  }

  /// Stores `value` at loop point (m, n, k) of the output when inside it.
  void store(Value value, Value m, Value n) {
    OpOperand &output = *matmul.op.getDpsInitOperand(0);
    SmallVector<Value> indices;
    Value inside = indicesOf(output, m, n, index(0), indices);
    auto guard = scf::IfOp::create(b, inside, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard insertion(b);
    b.setInsertionPointToStart(guard.thenBlock());
    memref::StoreOp::create(b, value, output.get(), indices);
  }

  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, value);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  /// x + y + constant.
  Value add(Value x, Value y, int64_t constant) {
    Value sum = add(x, y);
    return constant ? add(sum, index(constant)) : sum;
  }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, x, index(y));
  }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, x, index(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, x, index(y));
  }

private:
  /// The indices of loop point (m, n, k) in `operand` (clamped to 0 past
  /// the edges); returns whether the point is inside.
  Value indicesOf(OpOperand &operand, Value m, Value n, Value k,
                  SmallVectorImpl<Value> &indices) {
    AffineMap map = matmul.op.getMatchingIndexingMap(&operand);
    Value inside = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
    for (AffineExpr result : map.getResults()) {
      unsigned dim = cast<AffineDimExpr>(result).getPosition();
      Value position = dim == matmul.mDim   ? m
                       : dim == matmul.nDim ? n
                                            : k;
      int64_t extent = dim == matmul.mDim   ? matmul.rows
                       : dim == matmul.nDim ? matmul.columns
                                            : matmul.depth;
      Value within = arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                           position, index(extent));
      inside = arith::AndIOp::create(b, inside, within);
      indices.push_back(
          arith::SelectOp::create(b, within, position, index(0)));
    }
    return inside;
  }

  ImplicitLocOpBuilder &b;
  TileMatmul matmul;
};
} // namespace

/// Whether the f32 `value` is finite, from its exponent bits (a float
/// test such as x - x == 0 may be folded by drivers that assume no
/// infinities).
static Value isFinite(ImplicitLocOpBuilder &b, Value value) {
  Value bits = arith::BitcastOp::create(b, b.getI32Type(), value);
  Value exponent = arith::ConstantIntOp::create(b, b.getI32Type(), 0x7F800000);
  return arith::CmpIOp::create(b, arith::CmpIPredicate::ne,
                               arith::AndIOp::create(b, bits, exponent),
                               exponent);
}

static void rewriteAsMMA(RewriterBase &rewriter, const TileMatmul &matmul,
                         func::FuncOp mma) {
  linalg::LinalgOp op = matmul.op;
  ImplicitLocOpBuilder b(op.getLoc(), rewriter);
  b.setInsertionPoint(op);
  int64_t rowTiles = llvm::divideCeil(matmul.rows, 16);
  int64_t columnTiles = llvm::divideCeil(matmul.columns, 8);
  int64_t depthSteps = llvm::divideCeil(matmul.depth, 16);
  LaneEmitter e(b, matmul);
  auto lanes = scf::ParallelOp::create(
      b, ValueRange{e.index(0)}, ValueRange{e.index(rowTiles * columnTiles * 32)},
      ValueRange{e.index(1)});
  lanes->setAttr(kWarpLanesAttr, b.getUnitAttr());
  b.setInsertionPointToStart(lanes.getBody());
  Value iteration = lanes.getInductionVars().front();
  Value lane = e.rem(iteration, 32), fragment = e.div(iteration, 32);
  Value rowBase = e.mul(e.div(fragment, columnTiles), 16);
  Value columnBase = e.mul(e.rem(fragment, columnTiles), 8);
  Value group = e.div(lane, 4), quad = e.rem(lane, 4);
  Value zero = e.index(0);
  OpOperand &a = *op.getDpsInputOperand(0), &bMatrix = *op.getDpsInputOperand(1);
  OpOperand &c = *op.getDpsInitOperand(0);

  // The accumulators' place: row g + 8 (i / 2), column 2 q + i % 2.
  auto accumulatorAt = [&](int64_t i) {
    return std::make_pair(e.add(rowBase, group, 8 * (i / 2)),
                          e.add(columnBase, e.mul(quad, 2), i % 2));
  };
  SmallVector<Value> accumulators;
  for (int64_t i = 0; i < 4; ++i) {
    auto [row, column] = accumulatorAt(i);
    accumulators.push_back(e.load(c, row, column, zero));
  }
  auto steps = scf::ForOp::create(
      b, e.index(0), e.index(depthSteps * 16), e.index(16), accumulators,
      [&](OpBuilder &nested, Location loc, Value depthBase,
          ValueRange carried) {
        ImplicitLocOpBuilder inner(loc, nested);
        LaneEmitter f(inner, matmul);
        // The lane's elements of A and B in f32.
        SmallVector<Value> aElements, bElements;
        for (int64_t i = 0; i < 8; ++i) {
          Value row = f.add(rowBase, group, 8 * ((i / 2) % 2));
          Value column =
              f.add(depthBase, f.mul(quad, 2), i % 2 + 8 * (i / 4));
          aElements.push_back(f.load(a, row, zero, column));
        }
        for (int64_t i = 0; i < 4; ++i) {
          Value depth = f.add(depthBase, f.mul(quad, 2), i % 2 + 8 * (i / 2));
          Value column = f.add(columnBase, group, 0);
          bElements.push_back(f.load(bMatrix, zero, column, depth));
        }
        // x = high + low: high = x rounded, low = the rest rounded; an
        // element of the precision's type is its own high part (a 16-bit
        // one of another type is widened first).
        auto asF32 = [&](Value element) -> Value {
          return element.getType().isF32()
                     ? element
                     : arith::ExtFOp::create(inner, inner.getF32Type(),
                                             element);
        };
        auto high = [&](ValueRange elements) {
          SmallVector<Value> parts;
          for (Value element : elements)
            parts.push_back(element.getType() == matmul.precision
                                ? element
                                : arith::TruncFOp::create(
                                      inner, matmul.precision, asF32(element)));
          return parts;
        };
        auto low = [&](ValueRange elements, ValueRange highs) {
          SmallVector<Value> parts;
          Value zeroF = arith::ConstantOp::create(
              inner, inner.getF32FloatAttr(0.0));
          for (auto [element, part] : llvm::zip_equal(elements, highs)) {
            Value rest = arith::SubFOp::create(
                inner, asF32(element),
                arith::ExtFOp::create(inner, inner.getF32Type(), part));
            // Infinities and NaN are all high part: inf - inf must not
            // make a NaN.
            rest = arith::SelectOp::create(inner, isFinite(inner, rest), rest,
                                           zeroF);
            parts.push_back(
                arith::TruncFOp::create(inner, matmul.precision, rest));
          }
          return parts;
        };
        auto multiply = [&](ValueRange aParts, ValueRange bParts,
                            ValueRange accumulators) -> ValueRange {
          SmallVector<Value> operands(aParts);
          operands.append(bParts.begin(), bParts.end());
          operands.append(accumulators.begin(), accumulators.end());
          return func::CallOp::create(inner, mma, operands).getResults();
        };
        SmallVector<Value> aHigh = high(aElements), bHigh = high(bElements);
        // One MMA: operands rounded to the input type, or both exact.
        if (!matmul.split || (matmul.aExact && matmul.bExact)) {
          scf::YieldOp::create(inner, multiply(aHigh, bHigh, carried));
          return;
        }
        // Three MMAs, the small terms first (low x low, about 2^-16 of
        // the product, is left out), from one call site: part p takes
        // (low, high), (high, low), (high, high). An exact operand's low
        // part is 0: the part that multiplies it is skipped (A's: part 0,
        // B's: part 1).
        SmallVector<Value> aLow = matmul.aExact ? SmallVector<Value>(aHigh)
                                                : low(aElements, aHigh),
                           bLow = matmul.bExact ? SmallVector<Value>(bHigh)
                                                : low(bElements, bHigh);
        // In the cross terms a high part that is infinite or NaN counts as
        // 0: the other factor's low part is 0 there, and 0 x inf would be
        // NaN where the product is the high x high term's alone.
        auto finiteHighs = [&](ValueRange highs) {
          SmallVector<Value> parts;
          Value zero = arith::ConstantOp::create(
              inner, inner.getZeroAttr(matmul.precision));
          for (Value part : highs) {
            Value wide = arith::ExtFOp::create(inner, inner.getF32Type(), part);
            parts.push_back(arith::SelectOp::create(
                inner, isFinite(inner, wide), part, zero));
          }
          return parts;
        };
        SmallVector<Value> aCross = finiteHighs(aHigh),
                           bCross = finiteHighs(bHigh);
        int64_t firstPart = matmul.aExact ? 1 : 0;
        int64_t partStep = matmul.bExact ? 2 : 1;
        auto parts = scf::ForOp::create(
            inner, f.index(firstPart), f.index(3), f.index(partStep), carried,
            [&](OpBuilder &partBuilder, Location partLoc, Value part,
                ValueRange partial) {
              ImplicitLocOpBuilder p(partLoc, partBuilder);
              auto isPart = [&](int64_t number) -> Value {
                return arith::CmpIOp::create(
                    p, arith::CmpIPredicate::eq, part,
                    arith::ConstantIndexOp::create(p, number));
              };
              Value last = isPart(2);
              // Part `lowPart` takes this side's low parts, part 2 its high
              // parts, the other part its finite high parts.
              auto choose = [&](int64_t lowPart, ValueRange lows,
                                ValueRange highs, ValueRange crosses) {
                Value isLow = isPart(lowPart);
                SmallVector<Value> chosen;
                for (auto [lowValue, highValue, crossValue] :
                     llvm::zip_equal(lows, highs, crosses)) {
                  Value high =
                      arith::SelectOp::create(p, last, highValue, crossValue);
                  chosen.push_back(
                      arith::SelectOp::create(p, isLow, lowValue, high));
                }
                return chosen;
              };
              SmallVector<Value> operands = choose(0, aLow, aHigh, aCross);
              llvm::append_range(operands, choose(1, bLow, bHigh, bCross));
              operands.append(partial.begin(), partial.end());
              scf::YieldOp::create(
                  p, func::CallOp::create(p, mma, operands).getResults());
            });
        ValueRange sums = parts.getResults();
        scf::YieldOp::create(inner, sums);
      });
  for (int64_t i = 0; i < 4; ++i) {
    auto [row, column] = accumulatorAt(i);
    e.store(steps.getResult(i), row, column);
  }
  rewriter.eraseOp(op);
}

namespace {
struct RecurGPUMMAMatmuls
    : recur::impl::RecurGPUMMAMatmulsBase<RecurGPUMMAMatmuls> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<TileMatmul> matmuls;
    module.walk([&](linalg::LinalgOp op) {
      if (std::optional<TileMatmul> matmul =
              matchTileMatmul(op, inputPrecision))
        matmuls.push_back(*matmul);
    });
    IRRewriter rewriter(&getContext());
    for (const TileMatmul &matmul : matmuls)
      rewriteAsMMA(rewriter, matmul, declareMMA(module, matmul.precision));
  }
};
} // namespace
