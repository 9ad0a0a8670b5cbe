//===- RuntimeChecks.cpp - Size checks at the entry of exported functions -===//
//
// See the pass description in Passes.td. Each check is an i1 "failed" and
// the two i64 values it compared, with a printf message; the function
// returns the number of the first failed check and its values, and runs its
// work only when none failed.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"

#include "recur/Dialect/Recur/IR/RecurLayout.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"
#include "recur/Emit/CInterface.h"

#include "AllocationFailure.h"
#include "ByteSizes.h"
#include "IndexChecks.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Transforms/Transforms.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/RuntimeVerifiableOpInterface.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURRUNTIMECHECKS
#include "recur/Codegen/Common/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
struct Check {
  Value failed;     // i1
  Value lhs, rhs;   // i64, the values the message prints
  std::string text; // printf format with two %lld
  /// A check of several cases, one status number each (`more` holds the
  /// messages after `text`): which one failed, an i32 from 0 (the one of
  /// `text`).
  Value which = {};
  SmallVector<std::string> more = {};

  /// The status numbers the check takes.
  int64_t count() const { return 1 + more.size(); }
};

/// `text` as a printf format that prints it: a '%' is literal, and a
/// byte that is not printable ASCII (a UTF-8 path) is written as \xNN.
std::string asFormat(StringRef text) {
  std::string escaped;
  for (char c : text) {
    if (c == '%')
      escaped += "%%";
    else if (llvm::isPrint(c))
      escaped += c;
    else
      escaped += "\\x" + llvm::utohexstr(static_cast<unsigned char>(c),
                                          /*LowerCase=*/true, /*Width=*/2);
  }
  return escaped;
}

/// Where an op is, for messages: "recur.linear_attention at file:line".
std::string describe(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getName();
  // The first file position in the location (inlined code has a call
  // site location whose callee is the op's own position).
  op->getLoc()->walk([&](Location loc) {
    auto fileLoc = dyn_cast<FileLineColLoc>(loc);
    if (!fileLoc)
      return WalkResult::advance();
    os << " at " << fileLoc.getFilename().getValue() << ":"
       << fileLoc.getLine();
    return WalkResult::interrupt();
  });
  return asFormat(text);
}

/// Builds the checks of one exported function at its entry.
class CheckBuilder {
public:
  CheckBuilder(func::FuncOp func, const CInterface &iface, OpBuilder &b,
               bool bufferHandles)
      : func(func), iface(iface), b(b), loc(func.getLoc()),
        bufferHandles(bufferHandles) {}

  /// Appends every check; fails (after an error) on a size that does not
  /// follow from the arguments' sizes.
  LogicalResult build() {
    addDimensionChecks();
    addByteSizeChecks();
    WalkResult walk = func.walk([&](Operation *op) {
      LogicalResult added = success();
      if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
        added = addExpandShapeChecks(expand);
      else if (auto empty = dyn_cast<tensor::EmptyOp>(op))
        addTemporaryChecks(empty);
      else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
        addLinalgChecks(linalgOp);
      else if (op->getDialect() == op->getContext()->getLoadedDialect("recur"))
        added = addOpChecks(op);
      return failed(added) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    if (failed(addOutputChecks()))
      return failure();
    addPointerChecks();
    // The values of index arguments, read where the entry can read them.
    if (bufferHandles)
      return success();
    FailureOr<SmallVector<ValueCheck>> values = buildIndexValueChecks(
        b, func, iface, [&](StringRef name) { return dimSize(name); },
        prefix());
    if (failed(values))
      return failure();
    for (ValueCheck &check : *values)
      checks.push_back({check.failed, check.lhs, check.rhs, check.text});
    return success();
  }

  SmallVector<Check> checks;
  /// The linalg ops whose shared sizes could not all be checked at the
  /// entry: they are checked where they run (addInPlaceChecks).
  llvm::SmallPtrSet<Operation *, 8> uncheckedLinalgOps;
  /// True (i1) when an output has bytes to write; null when the function
  /// has no output. A call whose outputs are all empty has no work, however
  /// large the sizes of its empty inputs.
  Value somethingToWrite;

private:
  Value i64(Value index) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  }
  Value constant(int64_t value) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), value);
  }
  Value compare(arith::CmpIPredicate predicate, Value lhs, Value rhs) {
    return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
  }
  std::string prefix() { return func.getSymName().str() + ": "; }

  /// The i64 size of dimension `dim` of the buffer argument `index`.
  Value bufferDim(unsigned index, int64_t dim) {
    return i64(memref::DimOp::create(b, loc, func.getArgument(index), dim));
  }

  /// An argument of the function, or its to_tensor: what sizes at the
  /// entry may be expressed in. (A block argument of a nested region, an
  /// scf.for iter_arg say, is not available there.)
  bool isEntryValue(Value v) {
    if (auto read = v.getDefiningOp<bufferization::ToTensorOp>())
      v = read.getBuffer();
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner() == &func.getBody().front();
  }

  /// What an i64 size built here is known to be: "N" for a constant, the C
  /// name of a dimension of an argument; empty when it is computed. Two
  /// sizes with one key are equal, so a check between them cannot fail.
  std::string keyOf(Value size) {
    if (auto cast = size.getDefiningOp<arith::IndexCastOp>())
      size = cast.getIn();
    if (std::optional<int64_t> known = getConstantIntValue(size))
      return std::to_string(*known);
    Value source;
    std::optional<int64_t> index;
    if (auto dim = size.getDefiningOp<tensor::DimOp>()) {
      if (auto read = dim.getSource().getDefiningOp<bufferization::ToTensorOp>())
        source = read.getBuffer();
      index = dim.getConstantIndex();
    } else if (auto dim = size.getDefiningOp<memref::DimOp>()) {
      source = dim.getSource();
      index = dim.getConstantIndex();
    }
    auto arg = dyn_cast_or_null<BlockArgument>(source);
    if (!arg || !index || arg.getOwner()->getParentOp() != func)
      return "";
    const CDim &dim = iface.buffers[arg.getArgNumber()].shape[*index];
    return dim.isDynamic() ? dim.name : std::to_string(dim.size);
  }

  /// True when `size` is a constant.
  bool isConstant(Value size) {
    std::string key = keyOf(size);
    return !key.empty() && llvm::all_of(key, llvm::isDigit);
  }

  /// True when `lhs != rhs` cannot hold at run time.
  bool knownEqual(Value lhs, Value rhs) {
    std::string key = keyOf(lhs);
    return !key.empty() && key == keyOf(rhs);
  }

  /// Dimension `dim` of tensor `value` as an i64 computed at the entry from
  /// the arguments' sizes, or failure.
  FailureOr<Value> sizeAtEntry(Value value, int64_t dim) {
    auto stop = [&](Value v, std::optional<int64_t>,
                    ValueBoundsConstraintSet &) {
      return isEntryValue(v);
    };
    FailureOr<OpFoldResult> size = affine::reifyShapedValueDimBound(
        b, loc, presburger::BoundType::EQ, value, dim, stop);
    if (failed(size))
      return failure();
    return i64(getValueOrCreateConstantIndexOp(b, loc, *size));
  }

  /// The i64 size of the dynamic dimension `name` of the interface (read
  /// from the first buffer that has it).
  Value dimSize(StringRef name) {
    for (auto [index, buffer] : llvm::enumerate(iface.buffers)) {
      const auto *it = llvm::find_if(
          buffer.shape, [&](const CDim &dim) { return dim.name == name; });
      if (it != buffer.shape.end())
        return bufferDim(index, it - buffer.shape.begin());
    }
    llvm_unreachable("a dimension of the interface is in a buffer's shape");
  }

  void addDimensionChecks() {
    for (const std::string &name : iface.dims) {
      Value size = dimSize(name);
      checks.push_back({compare(arith::CmpIPredicate::slt, size, constant(0)),
                        size, size,
                        prefix() + "dimension " + name +
                            " = %lld is negative"});
    }
  }

  void addByteSizeChecks() {
    for (auto [index, buffer] : llvm::enumerate(iface.buffers)) {
      if (llvm::none_of(buffer.shape,
                        [](const CDim &dim) { return dim.isDynamic(); }))
        continue; // a static overflow is a compile-time error
      SmallVector<Value> sizes;
      for (auto [d, dim] : llvm::enumerate(buffer.shape))
        sizes.push_back(dim.isDynamic() ? bufferDim(index, d)
                                        : constant(dim.size));
      Value failed = buildByteSizeOverflows(
          b, loc, sizes, getElementBytes(buffer.elementType));
      std::string shape;
      llvm::raw_string_ostream os(shape);
      llvm::interleave(
          buffer.shape,
          [&](const CDim &dim) {
            os << (dim.isDynamic() ? dim.name : std::to_string(dim.size));
          },
          [&] { os << ", "; });
      checks.push_back({failed, constant(0), constant(0),
                        prefix() + "'" + buffer.name + "' [" + shape +
                            "] has 2^63 bytes or more"});
    }
  }

  /// The byte size of buffer `index` (wrapping: a size that overflows is
  /// caught by its byte-size check, which comes first).
  Value byteSize(unsigned index) {
    const CBuffer &buffer = iface.buffers[index];
    Value bytes = constant(getElementBytes(buffer.elementType));
    for (auto [d, dim] : llvm::enumerate(buffer.shape))
      bytes = arith::MulIOp::create(
          b, loc, bytes,
          dim.isDynamic() ? bufferDim(index, d) : constant(dim.size));
    return bytes;
  }

  /// Last, with every size known to be consistent: no nonempty buffer is
  /// NULL, and no output shares memory with another buffer (the lowering
  /// reads inputs after writing outputs: attention's o over its k or v,
  /// conv1d's y over x).
  void addPointerChecks() {
    SmallVector<Value> starts, sizes;
    Value zero = constant(0);
    for (auto [index, buffer] : llvm::enumerate(iface.buffers)) {
      Value pointer = memref::ExtractAlignedPointerAsIndexOp::create(
          b, loc, func.getArgument(index));
      starts.push_back(i64(pointer));
      sizes.push_back(byteSize(index));
      if (buffer.isWritten()) {
        Value written =
            compare(arith::CmpIPredicate::sgt, sizes.back(), zero);
        somethingToWrite =
            somethingToWrite
                ? arith::OrIOp::create(b, loc, somethingToWrite, written)
                : written;
      }
      checks.push_back(
          {arith::AndIOp::create(
               b, loc, compare(arith::CmpIPredicate::eq, starts.back(), zero),
               compare(arith::CmpIPredicate::sgt, sizes.back(), zero)),
           sizes.back(), sizes.back(),
           prefix() + "'" + buffer.name + "' is NULL but has %lld bytes"});
    }
    addOverlapCheck(starts, sizes);
  }

  Value indexConstant(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  /// Whether an output shares memory with another buffer: the first output
  /// that does, with the address of the first buffer it overlaps, one
  /// status number (and message) per output. A model has hundreds of
  /// buffers: their addresses and sizes go into two arrays on the stack,
  /// and a loop over the outputs with a loop over the buffers inside
  /// compares them, in code of a size linear in the buffers (the host
  /// code of the GPU targets may use its own stack memory).
  void addOverlapCheck(ArrayRef<Value> starts, ArrayRef<Value> sizes) {
    SmallVector<int64_t> outputs;
    for (auto [index, buffer] : llvm::enumerate(iface.buffers))
      if (buffer.isWritten())
        outputs.push_back(index);
    if (outputs.empty() || iface.buffers.size() < 2)
      return;
    Type i1 = b.getI1Type(), i32 = b.getI32Type(), i64 = b.getI64Type();
    auto array = [&](ArrayRef<Value> values) {
      Value memory = memref::AllocaOp::create(
          b, loc, MemRefType::get({static_cast<int64_t>(values.size())}, i64));
      for (auto [index, value] : llvm::enumerate(values))
        memref::StoreOp::create(b, loc, value, memory,
                                ValueRange{indexConstant(index)});
      return memory;
    };
    SmallVector<Value> outputIndices;
    for (int64_t index : outputs)
      outputIndices.push_back(constant(index));
    Value startArray = array(starts), sizeArray = array(sizes),
          outputArray = array(outputIndices);
    auto load = [&](OpBuilder &at, Value memory, Value index) {
      return memref::LoadOp::create(at, loc, memory, ValueRange{index})
          .getResult();
    };
    Value zero = constant(0);
    Value none = arith::ConstantIntOp::create(b, loc, i32, -1);
    Value falseValue = arith::ConstantIntOp::create(b, loc, i1, 0);
    // Over the outputs: (which failed first, its address, the other's).
    auto outer = scf::ForOp::create(
        b, loc, indexConstant(0), indexConstant(outputs.size()),
        indexConstant(1), ValueRange{none, zero, zero},
        [&](OpBuilder &ob, Location, Value k, ValueRange found) {
          Value out = arith::IndexCastOp::create(
              ob, loc, ob.getIndexType(), load(ob, outputArray, k));
          Value a = load(ob, startArray, out), m = load(ob, sizeArray, out);
          // Over the buffers: (overlaps one, the first it overlaps).
          auto inner = scf::ForOp::create(
              ob, loc, indexConstant(0), indexConstant(iface.buffers.size()),
              indexConstant(1), ValueRange{falseValue, zero},
              [&](OpBuilder &ib, Location, Value j, ValueRange seen) {
                Value c = load(ib, startArray, j), n = load(ib, sizeArray, j);
                auto cmp = [&](arith::CmpIPredicate predicate, Value lhs,
                               Value rhs) {
                  return arith::CmpIOp::create(ib, loc, predicate, lhs, rhs)
                      .getResult();
                };
                // [a, a + m) and [c, c + n) overlap when a < c + n and
                // c < a + m, both nonempty. Handles of device buffers
                // overlap when equal.
                Value overlap =
                    bufferHandles
                        ? cmp(arith::CmpIPredicate::eq, a, c)
                        : arith::AndIOp::create(
                              ib, loc,
                              cmp(arith::CmpIPredicate::ult, a,
                                  arith::AddIOp::create(ib, loc, c, n)),
                              cmp(arith::CmpIPredicate::ult, c,
                                  arith::AddIOp::create(ib, loc, a, m)));
                overlap = arith::AndIOp::create(
                    ib, loc, overlap, cmp(arith::CmpIPredicate::sgt, n, zero));
                overlap = arith::AndIOp::create(
                    ib, loc, overlap, cmp(arith::CmpIPredicate::ne, j, out));
                Value first = arith::SelectOp::create(ib, loc, seen[0],
                                                      seen[1], c);
                first = arith::SelectOp::create(ib, loc, overlap, first,
                                                seen[1]);
                Value any = arith::OrIOp::create(ib, loc, seen[0], overlap);
                scf::YieldOp::create(ib, loc, ValueRange{any, first});
              });
          Value fails = arith::AndIOp::create(
              ob, loc, inner.getResult(0),
              arith::CmpIOp::create(ob, loc, arith::CmpIPredicate::sgt, m,
                                    zero));
          Value isFirst = arith::AndIOp::create(
              ob, loc, fails,
              arith::CmpIOp::create(ob, loc, arith::CmpIPredicate::slt,
                                    found[0],
                                    arith::ConstantIntOp::create(ob, loc, i32,
                                                                 0)));
          Value ordinal = arith::IndexCastOp::create(ob, loc, i32, k);
          scf::YieldOp::create(
              ob, loc,
              ValueRange{
                  arith::SelectOp::create(ob, loc, isFirst, ordinal, found[0]),
                  arith::SelectOp::create(ob, loc, isFirst, a, found[1]),
                  arith::SelectOp::create(ob, loc, isFirst,
                                          inner.getResult(1), found[2])});
        });
    Value which = outer.getResult(0);
    Check check;
    check.failed = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::sge, which,
        arith::ConstantIntOp::create(b, loc, i32, 0));
    check.lhs = outer.getResult(1);
    check.rhs = outer.getResult(2);
    check.which = which;
    for (int64_t index : outputs) {
      std::string text = prefix() + "the output '" +
                         iface.buffers[index].name + "' (address %lld) " +
                         "overlaps another buffer (at address %lld); " +
                         "outputs must not share memory with other buffers";
      if (check.text.empty())
        check.text = text;
      else
        check.more.push_back(text);
    }
    checks.push_back(check);
  }

  /// True when a buffer's byte-size check covers a temporary of sizes
  /// `keys` (keyOf) and elements of `bytes`: the buffer has the same sizes,
  /// in any order, and elements at least as wide.
  bool isCoveredByABuffer(ArrayRef<std::string> keys, int64_t bytes) {
    if (llvm::any_of(keys, [](const std::string &key) { return key.empty(); }))
      return false;
    SmallVector<std::string> sorted(keys);
    llvm::sort(sorted);
    return llvm::any_of(iface.buffers, [&](const CBuffer &buffer) {
      if (getElementBytes(buffer.elementType) < bytes)
        return false;
      SmallVector<std::string> shape;
      for (const CDim &dim : buffer.shape)
        shape.push_back(dim.isDynamic() ? dim.name : std::to_string(dim.size));
      llvm::sort(shape);
      return shape == sorted;
    });
  }

  /// A temporary of the description (tensor.empty) whose sizes follow from
  /// the arguments' sizes fits in 2^63 bytes: its allocation's byte count
  /// cannot wrap. (A temporary whose sizes are computed inside the function
  /// is checked where it is allocated: --recur-allocation-size-checks.)
  void addTemporaryChecks(tensor::EmptyOp empty) {
    RankedTensorType type = empty.getType();
    if (type.hasStaticShape() ||
        !type.getElementType().isIntOrFloat())
      return; // a static overflow is a compile-time error
    SmallVector<Value> sizes;
    SmallVector<std::string> keys;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      FailureOr<Value> size = sizeAtEntry(empty.getResult(), d);
      if (failed(size))
        return;
      sizes.push_back(*size);
      keys.push_back(keyOf(*size));
    }
    int64_t bytes = getElementBytes(type.getElementType());
    if (isCoveredByABuffer(keys, bytes))
      return;
    Value failed = buildByteSizeOverflows(b, loc, sizes, bytes);
    // The values: its first two dynamic sizes.
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(sizes[d]);
    std::string text;
    llvm::raw_string_ostream os(text);
    os << prefix() << "the temporary " << type << " of " << describe(empty)
       << " has 2^63 bytes or more (dynamic size";
    if (dynamic.size() == 1)
      os << " %lld)";
    else
      os << "s %lld, %lld" << (dynamic.size() > 2 ? ", ...)" : ")");
    Value second = dynamic.size() > 1 ? dynamic[1] : dynamic[0];
    checks.push_back({failed, dynamic[0], second, text});
  }

  /// The first operand that names a dimension, and its size; a name "X - 1"
  /// is compared as its size + 1 against X.
  struct Seen {
    const NamedLayout *entry;
    unsigned index;
    Value size; // of X itself
  };

  LogicalResult addOpChecks(Operation *op) {
    LayoutTable table;
    llvm::TypeSwitch<Operation *>(op)
        .Case<ScanOp, SelectiveScanOp, LinearAttentionOp, AttentionOp,
              Conv1dOp>([&](auto recurOp) { table = recurOp.getLayouts(); });

    llvm::StringMap<Seen> seen;
    for (const NamedLayout &entry : table) {
      if (!entry.value)
        continue;
      auto type = cast<RankedTensorType>(entry.value.getType());
      for (auto [index, dimName] : llvm::enumerate(entry.dims)) {
        StringRef name = dimName;
        bool minusOne = name.consume_back(" - 1");
        FailureOr<Value> size = sizeAtEntry(entry.value, index);
        if (failed(size))
          return op->emitError()
                 << "cannot check the size of dimension " << index << " ("
                 << dimName << ") of '" << entry.name
                 << "' at run time: it does not follow from the sizes of "
                    "the function's arguments";
        Value base = minusOne ? arith::AddIOp::create(b, loc, *size,
                                                      constant(1))
                              : *size;
        auto [it, inserted] = seen.try_emplace(name, Seen{&entry, 0, base});
        if (inserted) {
          it->second.index = index;
          continue;
        }
        const Seen &first = it->second;
        auto firstType = cast<RankedTensorType>(first.entry->value.getType());
        if (!type.isDynamicDim(index) &&
            !firstType.isDynamicDim(first.index))
          continue; // both static: the verifier compared them
        if (!minusOne && !StringRef(first.entry->dims[first.index]).ends_with(" - 1") &&
            knownEqual(*size, first.size))
          continue; // one C dimension, or one constant
        Value firstSize = i64Size(first);
        checks.push_back(
            {compare(arith::CmpIPredicate::ne, base, first.size), *size,
             firstSize,
             prefix() + describe(op) + ": '" + entry.name + "' has " +
                 dimName + " = %lld (dimension " + std::to_string(index) +
                 " of " + formatLayout(entry.dims) + "), but '" +
                 first.entry->name + "' has " +
                 first.entry->dims[first.index] + " = %lld"});
      }
    }

    for (const DivisibilityRule &rule : getDivisibilityRules(op)) {
      auto dividend = seen.find(rule.dividend);
      auto divisor = seen.find(rule.divisor);
      if (dividend == seen.end() || divisor == seen.end())
        continue;
      Value n = dividend->second.size, d = divisor->second.size;
      if (isConstant(n) && isConstant(d))
        continue; // static sizes: the verifier checked them
      // The divisor > 0 first; then the remainder, divided safely.
      Value positive = compare(arith::CmpIPredicate::sgt, d, constant(0));
      checks.push_back({compare(arith::CmpIPredicate::sle, d, constant(0)), d,
                        n,
                        prefix() + describe(op) + ": " + rule.divisor +
                            " = %lld must be > 0 (" + rule.what + ")"});
      Value safe = arith::SelectOp::create(b, loc, positive, d, constant(1));
      Value remainder = arith::RemSIOp::create(b, loc, n, safe);
      checks.push_back({compare(arith::CmpIPredicate::ne, remainder,
                                constant(0)),
                        n, d,
                        prefix() + describe(op) + ": " + rule.dividend +
                            " = %lld is not a multiple of " + rule.divisor +
                            " = %lld (" + rule.what + ")"});
    }
    return success();
  }

  /// The sizes an expand_shape is given (output_shape) multiply to the
  /// size of the source dimension they split: a model reshapes its
  /// projections with them, from dimensions the caller passes. Checked
  /// where both sides follow from the arguments' sizes through value bounds
  /// (a source that comes through tensor.collapse_shape does not: upstream
  /// gives collapse_shape no value-bounds model).
  LogicalResult addExpandShapeChecks(tensor::ExpandShapeOp expand) {
    auto resultType = expand.getResultType();
    for (auto [source, group] :
         llvm::enumerate(expand.getReassociationIndices())) {
      if (llvm::none_of(group, [&](int64_t d) {
            return resultType.isDynamicDim(d);
          }))
        continue; // static sizes: the verifier compared them
      FailureOr<Value> whole = sizeAtEntry(expand.getSrc(), source);
      if (failed(whole))
        continue;
      Value product = constant(1);
      bool known = true;
      for (int64_t d : group) {
        FailureOr<Value> part = sizeAtEntry(expand.getResult(), d);
        if (failed(part)) {
          known = false;
          break;
        }
        product = arith::MulIOp::create(b, loc, product, *part);
      }
      if (!known || knownEqual(product, *whole))
        continue;
      checks.push_back(
          {compare(arith::CmpIPredicate::ne, product, *whole), *whole,
           product,
           prefix() + describe(expand) + ": dimension " +
               std::to_string(source) + " of the source has %lld elements, "
               "but the sizes it is expanded to make %lld"});
    }
    return success();
  }

  /// The operands of a linalg op that index one loop with one of their
  /// dimensions have one size there (linalg.add of a [N] and a [M] buffer
  /// would read past the shorter). Checked at the entry where the sizes
  /// follow from the arguments'; otherwise the op is left to the checks
  /// where it runs.
  void addLinalgChecks(linalg::LinalgOp op) {
    // loop -> the first (operand, dimension) that spans it
    llvm::DenseMap<unsigned, std::pair<OpOperand *, unsigned>> first;
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.get().getType());
      if (!type)
        continue;
      AffineMap map = op.getMatchingIndexingMap(&operand);
      for (auto [dim, expr] : llvm::enumerate(map.getResults())) {
        // Another expression (d0 + 1, a constant) can index past its
        // operand whatever the sizes: the checks where the op runs take it.
        auto loop = dyn_cast<AffineDimExpr>(expr);
        if (!loop) {
          uncheckedLinalgOps.insert(op);
          continue;
        }
        auto [it, inserted] = first.try_emplace(
            loop.getPosition(), std::make_pair(&operand, unsigned(dim)));
        if (inserted)
          continue;
        auto [firstOperand, firstDim] = it->second;
        auto firstType = cast<RankedTensorType>(firstOperand->get().getType());
        if (!type.isDynamicDim(dim) && !firstType.isDynamicDim(firstDim))
          continue; // both static: the verifier compared them
        FailureOr<Value> size = sizeAtEntry(operand.get(), dim);
        FailureOr<Value> firstSize =
            sizeAtEntry(firstOperand->get(), firstDim);
        if (failed(size) || failed(firstSize)) {
          uncheckedLinalgOps.insert(op);
          continue;
        }
        if (knownEqual(*size, *firstSize))
          continue;
        checks.push_back(
            {compare(arith::CmpIPredicate::ne, *size, *firstSize), *size,
             *firstSize,
             prefix() + describe(op) + ": operand " +
                 std::to_string(operand.getOperandNumber()) + " has %lld " +
                 "elements in dimension " + std::to_string(dim) +
                 ", but operand " +
                 std::to_string(firstOperand->getOperandNumber()) +
                 " has %lld in dimension " + std::to_string(firstDim) +
                 " (one loop of the op)"});
      }
    }
  }

  /// The size of `seen` as the op's layout names it (X - 1 for "X - 1").
  Value i64Size(const Seen &seen) {
    StringRef name = seen.entry->dims[seen.index];
    if (!name.ends_with(" - 1"))
      return seen.size;
    return arith::SubIOp::create(b, loc, seen.size, constant(1));
  }

  /// Every result has the sizes of the output buffer it is written into.
  LogicalResult addOutputChecks() {
    WalkResult walk =
        func.walk([&](bufferization::MaterializeInDestinationOp write) {
          auto arg = dyn_cast<BlockArgument>(write.getDest());
          if (!arg || arg.getOwner()->getParentOp() != func)
            return WalkResult::advance();
          const CBuffer &buffer = iface.buffers[arg.getArgNumber()];
          auto type = cast<RankedTensorType>(write.getSource().getType());
          for (int64_t d = 0; d < type.getRank(); ++d) {
            const CDim &dim = buffer.shape[d];
            if (!type.isDynamicDim(d) && !dim.isDynamic())
              continue; // both static: the function type says they agree
            FailureOr<Value> size = sizeAtEntry(write.getSource(), d);
            if (failed(size)) {
              write.emitError() << "cannot check dimension " << d << " of '"
                                << buffer.name
                                << "' at run time: the size of the result "
                                   "written there does not follow from the "
                                   "sizes of the function's arguments";
              return WalkResult::interrupt();
            }
            Value expected = dim.isDynamic() ? bufferDim(arg.getArgNumber(), d)
                                             : constant(dim.size);
            if (knownEqual(*size, expected))
              continue;
            std::string name =
                dim.isDynamic() ? dim.name : std::to_string(dim.size);
            checks.push_back({compare(arith::CmpIPredicate::ne, *size,
                                      expected),
                              *size, expected,
                              prefix() + "the result written to '" +
                                  buffer.name + "' has %lld elements in "
                                  "dimension " + std::to_string(d) +
                                  ", but the buffer has " + name + " = %lld"});
          }
          return WalkResult::advance();
        });
    return failure(walk.wasInterrupted());
  }

  func::FuncOp func;
  const CInterface &iface;
  OpBuilder &b;
  Location loc;
  /// The buffers are handles of device buffers (GPU targets).
  bool bufferHandles;
};

struct RecurRuntimeChecks
    : recur::impl::RecurRuntimeChecksBase<RecurRuntimeChecks> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<func::FuncOp, CInterface>, 4> exported;
    SmallVector<func::FuncOp> callees;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      Attribute attr = func->getAttr(CInterface::attrName);
      if (!attr) {
        if (!func.isExternal())
          callees.push_back(func);
        continue;
      }
      FailureOr<CInterface> iface = CInterface::fromAttr(func, attr);
      if (failed(iface) || failed(addChecks(func, *iface)))
        return signalPassFailure();
      exported.push_back({func, *iface});
    }
    // The functions the exported ones call (a whole model's layers) check
    // their own ops where they are used, every linalg op included (no
    // entry checked their sizes), with status numbers after every
    // exported function's own: each exported function's table gets their
    // messages at the same numbers.
    size_t base = 0;
    for (auto &[func, iface] : exported)
      base = std::max(base, iface.statusMessages.size());
    SmallVector<std::string> calleeMessages;
    for (func::FuncOp callee : callees)
      addInPlaceChecks(callee, /*allLinalgOps=*/nullptr,
                       [&](StringRef message) -> int64_t {
                         calleeMessages.push_back(message.str());
                         return base + calleeMessages.size();
                       });
    for (auto &[func, iface] : exported) {
      if (!calleeMessages.empty()) {
        iface.statusMessages.resize(
            base, func.getSymName().str() + ": (no check has this status)");
        iface.statusMessages.append(calleeMessages.begin(),
                                    calleeMessages.end());
      }
      func->setAttr(CInterface::attrName, iface.toAttr(&getContext()));
    }
  }

  /// Whether `lhs op rhs` holds for index values: through arith.minsi and
  /// arith.maxsi (a clamp, as of an embedding's token id: min(a, b) < c
  /// when a < c or b < c, and >= c when both are), which upstream's
  /// value-bounds analysis does not model, then through that analysis.
  static bool provesComparison(Value lhs,
                               ValueBoundsConstraintSet::ComparisonOperator op,
                               Value rhs) {
    using Bounds = ValueBoundsConstraintSet;
    bool upper = op == Bounds::LT || op == Bounds::LE;
    bool lower = op == Bounds::GT || op == Bounds::GE;
    auto split = [&](Value side, bool flipped) -> std::optional<bool> {
      Value a, b;
      bool isMin;
      if (auto min = side.getDefiningOp<arith::MinSIOp>()) {
        a = min.getLhs(), b = min.getRhs(), isMin = true;
      } else if (auto max = side.getDefiningOp<arith::MaxSIOp>()) {
        a = max.getLhs(), b = max.getRhs(), isMin = false;
      } else {
        return std::nullopt;
      }
      auto holds = [&](Value part) {
        return flipped ? provesComparison(lhs, op, part)
                       : provesComparison(part, op, rhs);
      };
      // The side is bounded above (below) by either operand of a min
      // (max), and by both of a max (min).
      bool either = flipped ? (isMin == lower) : (isMin == upper);
      return either ? holds(a) || holds(b) : holds(a) && holds(b);
    };
    if (upper || lower) {
      if (std::optional<bool> result = split(lhs, /*flipped=*/false))
        return *result;
      if (std::optional<bool> result = split(rhs, /*flipped=*/true))
        return *result;
    }
    return Bounds::compare(Bounds::Variable(lhs), op, Bounds::Variable(rhs));
  }

  /// Whether the i1 `condition` holds whatever the arguments: a constant,
  /// a conjunction, or a comparison of index values that upstream's
  /// value-bounds analysis proves (a size is >= 0; a size equals itself
  /// through tensor.dim and affine arithmetic).
  static bool isProvenTrue(Value condition) {
    if (matchPattern(condition, m_One()))
      return true;
    if (auto both = condition.getDefiningOp<arith::AndIOp>())
      return isProvenTrue(both.getLhs()) && isProvenTrue(both.getRhs());
    auto cmp = condition.getDefiningOp<arith::CmpIOp>();
    if (!cmp || !cmp.getLhs().getType().isIndex())
      return false;
    using Bounds = ValueBoundsConstraintSet;
    auto proves = [](Value lhs, Bounds::ComparisonOperator op, Value rhs) {
      return provesComparison(lhs, op, rhs);
    };
    Value lhs = cmp.getLhs(), rhs = cmp.getRhs();
    switch (cmp.getPredicate()) {
    case arith::CmpIPredicate::eq:
      return proves(lhs, Bounds::EQ, rhs);
    case arith::CmpIPredicate::sge:
      return proves(lhs, Bounds::GE, rhs);
    case arith::CmpIPredicate::sgt:
      return proves(lhs, Bounds::GT, rhs);
    case arith::CmpIPredicate::sle:
      return proves(lhs, Bounds::LE, rhs);
    case arith::CmpIPredicate::slt:
      return proves(lhs, Bounds::LT, rhs);
    default:
      return false;
    }
  }

  /// The checks of what is only known where it is used: the indices of
  /// tensor.extract and tensor.insert, the offsets and sizes of slices, the
  /// sizes a linalg op's operands share where the entry could not check
  /// them (upstream's RuntimeVerifiableOpInterface, generated before each
  /// op of the description). Each failed check calls kCheckFailed with its status,
  /// numbered after the entry checks.
  void addInPlaceChecks(func::FuncOp func,
                        const llvm::SmallPtrSetImpl<Operation *> *linalgOps,
                        function_ref<int64_t(StringRef)> statusOf) {
    // The description's tensor ops, and the linalg ops whose sizes the
    // entry could not check (the memref.dim ops of the entry checks need
    // none): `linalgOps`, or every one without.
    SmallVector<RuntimeVerifiableOpInterface> ops;
    func.walk([&](RuntimeVerifiableOpInterface op) {
      if (isa<tensor::TensorDialect>(op->getDialect()) ||
          (isa<linalg::LinalgOp>(*op) &&
           (!linalgOps || linalgOps->contains(op))))
        ops.push_back(op);
    });
    std::string prefix = func.getSymName().str() + ": ";
    for (RuntimeVerifiableOpInterface op : ops) {
      OpBuilder b(op);
      op.generateRuntimeVerification(
          b, op->getLoc(), [&](Operation *at, StringRef what) {
            return prefix + describe(at) + ": " +
                   asFormat(what);
          });
    }
    if (ops.empty())
      return;
    // Checks of static sizes and constant indices fold to true: only the
    // others get a status.
    (void)applyPatternsGreedily(func, FrozenRewritePatternSet());
    SmallVector<cf::AssertOp> asserts;
    func.walk([&](cf::AssertOp check) {
      if (isProvenTrue(check.getArg()))
        check.erase();
      else
        asserts.push_back(check);
    });
    if (asserts.empty())
      return;
    ModuleOp module = getOperation();
    auto fail = module.lookupSymbol<func::FuncOp>(kCheckFailed);
    OpBuilder b(&getContext());
    if (!fail) {
      b.setInsertionPointToEnd(module.getBody());
      fail = func::FuncOp::create(b, module.getLoc(), kCheckFailed,
                                  b.getFunctionType({b.getI32Type()}, {}));
      fail.setPrivate();
    }
    for (cf::AssertOp check : asserts) {
      int64_t status = statusOf(check.getMsg());
      Location loc = check.getLoc();
      b.setInsertionPoint(check);
      Value failed = arith::XOrIOp::create(
          b, loc, check.getArg(),
          arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
      auto guard = scf::IfOp::create(b, loc, failed, /*withElseRegion=*/false);
      b.setInsertionPointToStart(guard.thenBlock());
      func::CallOp::create(
          b, loc, fail,
          ValueRange{arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                                  status)});
      check.erase();
    }
  }

  LogicalResult addChecks(func::FuncOp func, CInterface &iface) {
    if (!func.getBody().hasOneBlock())
      return func.emitError() << "an exported function must have one block "
                                 "to get run-time checks";
    Block &entry = func.getBody().front();
    auto terminator = cast<func::ReturnOp>(entry.getTerminator());

    // The checks go after the leading to_tensor ops of the arguments (sizes
    // inside the function are expressed through them), the work after the
    // checks.
    SmallVector<Operation *> reads;
    for (auto read : entry.getOps<bufferization::ToTensorOp>())
      if (isa<BlockArgument>(read.getBuffer()))
        reads.push_back(read);
    for (Operation *read : llvm::reverse(reads))
      read->moveBefore(&entry, entry.begin());
    OpBuilder b(func.getContext());
    Operation *firstWork = &*std::next(entry.begin(), reads.size());
    b.setInsertionPoint(firstWork);

    CheckBuilder builder(func, iface, b, bufferHandles);
    if (failed(builder.build()))
      return failure();

    // status = the number of the first failed check; its values with it.
    Location loc = func.getLoc();
    Value status = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0);
    Value lhs = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0);
    Value rhs = lhs;
    // Check i's first number is 1 + the numbers of the checks before it.
    int64_t total = 0;
    for (const Check &check : builder.checks)
      total += check.count();
    int64_t number = total + 1;
    for (const Check &check : llvm::reverse(builder.checks)) {
      number -= check.count();
      Value code = arith::ConstantIntOp::create(b, loc, b.getI32Type(), number);
      if (check.which)
        code = arith::AddIOp::create(b, loc, code, check.which);
      status = arith::SelectOp::create(b, loc, check.failed, code, status);
      lhs = arith::SelectOp::create(b, loc, check.failed, check.lhs, lhs);
      rhs = arith::SelectOp::create(b, loc, check.failed, check.rhs, rhs);
    }
    iface.statusMessages.clear();
    for (const Check &check : builder.checks) {
      iface.statusMessages.push_back(check.text);
      iface.statusMessages.append(check.more.begin(), check.more.end());
    }

    // The work (everything from `firstWork` up to the return) runs when
    // every check passed and there is something to write.
    Value passed = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, status,
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0));
    if (builder.somethingToWrite)
      passed = arith::AndIOp::create(b, loc, passed, builder.somethingToWrite);
    auto guard = scf::IfOp::create(b, loc, passed, /*withElseRegion=*/false);
    Block *then = guard.thenBlock();
    // The checks and the guard were built before `firstWork`: the work is
    // everything from it to the return.
    then->getOperations().splice(then->begin(), entry.getOperations(),
                                 firstWork->getIterator(),
                                 terminator->getIterator());
    terminator->setOperands({status, lhs, rhs});
    addInPlaceChecks(func, &builder.uncheckedLinalgOps,
                     [&](StringRef message) -> int64_t {
                       iface.statusMessages.push_back(message.str());
                       return iface.statusMessages.size();
                     });
    return success();
  }
};
} // namespace
