//===- IndexChecks.cpp - Entry checks of index arguments' values ----------===//
//
// Each check is a loop over the argument's entries at the entry of the
// exported function, guarded so that it reads nothing of a NULL buffer
// (whose own check comes first), and finds the first bad entry.
//
//===----------------------------------------------------------------------===//

#include "IndexChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
/// The first entry of a loop's search: whether one was found, and the two
/// values its message prints.
struct Found {
  Value found, first, second;
};

class IndexCheckBuilder {
public:
  IndexCheckBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value i64(int64_t value) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), value);
  }
  Value index(OpBuilder &at, int64_t value) {
    return arith::ConstantIndexOp::create(at, loc, value);
  }
  Value cmp(OpBuilder &at, arith::CmpIPredicate predicate, Value lhs,
            Value rhs) {
    return arith::CmpIOp::create(at, loc, predicate, lhs, rhs);
  }

  /// Entry `position` (an index) of the i32 buffer `memory`, as an i64.
  Value load(OpBuilder &at, Value memory, Value position) {
    Value entry = memref::LoadOp::create(at, loc, memory, position);
    return arith::ExtSIOp::create(at, loc, at.getI64Type(), entry);
  }

  /// The number of entries of the rank-1 `memory` to read: its size, or 0
  /// when it is NULL.
  Value readableEntries(Value memory) {
    Value size = memref::DimOp::create(b, loc, memory, 0);
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memory);
    Value isNull = cmp(b, arith::CmpIPredicate::eq, pointer, index(b, 0));
    return arith::SelectOp::create(b, loc, isNull, index(b, 0), size);
  }

  /// The loop-carried search after one more candidate: found once `seen[0]`
  /// or `isBad`, the values of the first candidate that was bad.
  SmallVector<Value> keepFirst(OpBuilder &at, ValueRange seen, Value isBad,
                               Value first, Value second) {
    Value isFirst = arith::AndIOp::create(
        at, loc, isBad,
        arith::XOrIOp::create(
            at, loc, seen[0],
            arith::ConstantIntOp::create(at, loc, at.getI1Type(), 1)));
    return {arith::OrIOp::create(at, loc, seen[0], isBad),
            arith::SelectOp::create(at, loc, isFirst, first, seen[1]),
            arith::SelectOp::create(at, loc, isFirst, second, seen[2])};
  }

  /// The first position p in [from, to) (indices) where `bad(at, p, value
  /// at p)` holds, with the values `report(at, p, value)` for its message.
  Found findFirst(OpBuilder &at, Value memory, Value from, Value to,
                  function_ref<Value(OpBuilder &, Value, Value)> bad,
                  function_ref<std::pair<Value, Value>(OpBuilder &, Value,
                                                       Value)>
                      report) {
    Value none = arith::ConstantIntOp::create(at, loc, at.getI1Type(), 0);
    Value zero = arith::ConstantIntOp::create(at, loc, at.getI64Type(), 0);
    auto loop = scf::ForOp::create(
        at, loc, from, to, index(at, 1), ValueRange{none, zero, zero},
        [&](OpBuilder &in, Location, Value position, ValueRange seen) {
          Value value = load(in, memory, position);
          auto [first, second] = report(in, position, value);
          scf::YieldOp::create(in, loc,
                               keepFirst(in, seen, bad(in, position, value),
                                         first, second));
        });
    return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
  }

  Value asI64(OpBuilder &at, Value indexValue) {
    return arith::IndexCastOp::create(at, loc, at.getI64Type(), indexValue);
  }

  /// Slot indices: in [-1, slots), and no slot twice.
  void addSlotChecks(Value memory, StringRef name, Value slots,
                     StringRef slotsName, StringRef prefix,
                     SmallVectorImpl<ValueCheck> &checks) {
    Value count = readableEntries(memory);
    Found outside = findFirst(
        b, memory, index(b, 0), count,
        [&](OpBuilder &at, Value, Value value) {
          return arith::OrIOp::create(
              at, loc, cmp(at, arith::CmpIPredicate::slt, value, i64(-1)),
              cmp(at, arith::CmpIPredicate::sge, value, slots));
        },
        [&](OpBuilder &at, Value position, Value value) {
          return std::make_pair(asI64(at, position), value);
        });
    checks.push_back({outside.found, outside.first, outside.second,
                      (prefix + "'" + name + "'[%lld] = %lld is not -1 or a " +
                       "slot in [0, " + slotsName + ")")
                          .str()});
    // Each row against the rows after it: the first slot given twice.
    Value none = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
    Value zero = i64(0);
    auto rows = scf::ForOp::create(
        b, loc, index(b, 0), count, index(b, 1), ValueRange{none, zero, zero},
        [&](OpBuilder &at, Location, Value row, ValueRange seen) {
          Value slot = load(at, memory, row);
          Value next = arith::AddIOp::create(at, loc, row, index(at, 1));
          Found again = findFirst(
              at, memory, next, count,
              [&](OpBuilder &in, Value, Value value) {
                return arith::AndIOp::create(
                    in, loc,
                    cmp(in, arith::CmpIPredicate::sge, slot,
                        arith::ConstantIntOp::create(in, loc,
                                                     in.getI64Type(), 0)),
                    cmp(in, arith::CmpIPredicate::eq, value, slot));
              },
              [&](OpBuilder &in, Value position, Value) {
                return std::make_pair(slot, asI64(in, position));
              });
          scf::YieldOp::create(at, loc,
                               keepFirst(at, seen, again.found, again.first,
                                         again.second));
        });
    checks.push_back({rows.getResult(0), rows.getResult(1), rows.getResult(2),
                      (prefix + "'" + name + "' gives slot %lld to two rows " +
                       "(the second at %lld)")
                          .str()});
  }

  /// Sequence offsets of `sequences` sequences in `tokens` tokens: B + 1
  /// entries, from 0 to the tokens, never decreasing.
  void addOffsetChecks(Value memory, StringRef name, Value tokens,
                       StringRef tokensName, Value sequences,
                       StringRef sequencesName, StringRef prefix,
                       SmallVectorImpl<ValueCheck> &checks) {
    Value size = asI64(b, memref::DimOp::create(b, loc, memory, 0));
    Value expected = arith::AddIOp::create(b, loc, sequences, i64(1));
    Value wrongSize = cmp(b, arith::CmpIPredicate::ne, size, expected);
    checks.push_back({wrongSize, size, expected,
                      (prefix + "'" + name + "' has %lld entries, not " +
                       sequencesName + " + 1 = %lld")
                          .str()});
    // The entries are read only when there are B + 1 of them.
    Value count = readableEntries(memory);
    count = arith::SelectOp::create(b, loc, wrongSize, index(b, 0), count);
    Found start = findFirst(
        b, memory, index(b, 0), arith::MinSIOp::create(b, loc, count,
                                                       index(b, 1)),
        [&](OpBuilder &at, Value, Value value) {
          return cmp(at, arith::CmpIPredicate::ne, value, i64(0));
        },
        [&](OpBuilder &at, Value position, Value value) {
          return std::make_pair(value, value);
        });
    checks.push_back({start.found, start.first, start.second,
                      (prefix + "'" + name + "'[0] = %lld, not 0").str()});
    Found decrease = findFirst(
        b, memory, index(b, 1), count,
        [&](OpBuilder &at, Value position, Value value) {
          Value before = load(
              at, memory, arith::SubIOp::create(at, loc, position,
                                                index(at, 1)));
          return cmp(at, arith::CmpIPredicate::slt, value, before);
        },
        [&](OpBuilder &at, Value position, Value value) {
          return std::make_pair(asI64(at, position), value);
        });
    checks.push_back({decrease.found, decrease.first, decrease.second,
                      (prefix + "'" + name + "'[%lld] = %lld is less than " +
                       "the entry before it")
                          .str()});
    Value last = arith::SubIOp::create(b, loc, count, index(b, 1));
    Found end = findFirst(
        b, memory, arith::MaxSIOp::create(b, loc, last, index(b, 0)), count,
        [&](OpBuilder &at, Value, Value value) {
          return cmp(at, arith::CmpIPredicate::ne, value, tokens);
        },
        [&](OpBuilder &at, Value, Value value) {
          return std::make_pair(value, tokens);
        });
    checks.push_back({end.found, end.first, end.second,
                      (prefix + "'" + name + "' ends at %lld, not at the " +
                       tokensName + " = %lld tokens")
                          .str()});
  }

private:
  OpBuilder &b;
  Location loc;
};
} // namespace

FailureOr<SmallVector<ValueCheck>>
mlir::recur::buildIndexValueChecks(OpBuilder &b, func::FuncOp func,
                                   const CInterface &iface,
                                   function_ref<Value(StringRef)> dimSize,
                                   StringRef prefix) {
  SmallVector<ValueCheck> checks;
  IndexCheckBuilder builder(b, func.getLoc());
  auto sizeOf = [&](Attribute attr, StringRef what) -> FailureOr<Value> {
    auto name = dyn_cast_or_null<StringAttr>(attr);
    if (!name || !llvm::is_contained(iface.dims, name.str()))
      return func.emitError() << "'" << what << "' of @" << func.getSymName()
                              << " must name a dynamic dimension of its "
                                 "interface, got "
                              << attr;
    return dimSize(name.getValue());
  };
  for (auto [index, buffer] : llvm::enumerate(iface.buffers)) {
    if (buffer.isOutput)
      continue;
    Value memory = func.getArgument(index);
    bool isIndexVector = buffer.elementType.isInteger(32) &&
                         buffer.shape.size() == 1;
    if (Attribute slots = func.getArgAttr(index, kSlotIndicesAttrName)) {
      FailureOr<Value> size = sizeOf(slots, kSlotIndicesAttrName);
      if (failed(size))
        return failure();
      if (!isIndexVector)
        return func.emitError() << "'" << kSlotIndicesAttrName << "' is on '"
                                << buffer.name << "', which is not i32 [B]";
      builder.addSlotChecks(memory, buffer.name, *size,
                            cast<StringAttr>(slots).getValue(), prefix,
                            checks);
    }
    if (Attribute offsets =
            func.getArgAttr(index, kSequenceOffsetsAttrName)) {
      auto names = dyn_cast<ArrayAttr>(offsets);
      if (!names || names.size() != 2 || !isIndexVector)
        return func.emitError()
               << "'" << kSequenceOffsetsAttrName << "' of '" << buffer.name
               << "' must be [tokens, sequences] on an i32 [B + 1], got "
               << offsets;
      FailureOr<Value> tokens = sizeOf(names[0], kSequenceOffsetsAttrName);
      FailureOr<Value> sequences = sizeOf(names[1], kSequenceOffsetsAttrName);
      if (failed(tokens) || failed(sequences))
        return failure();
      builder.addOffsetChecks(memory, buffer.name, *tokens,
                              cast<StringAttr>(names[0]).getValue(),
                              *sequences,
                              cast<StringAttr>(names[1]).getValue(), prefix,
                              checks);
    }
  }
  return checks;
}
