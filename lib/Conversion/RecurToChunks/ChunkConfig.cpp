//===- ChunkConfig.cpp - The chunked forms' configuration of one op -------===//

#include "recur/Conversion/RecurToChunks/ChunkConfig.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

#include <tuple>

using namespace mlir;
using namespace mlir::recur;

static StringRef statePassName(StatePass pass) {
  return pass == StatePass::Parallel ? "parallel" : "sequential";
}

static StringRef formName(LinearAttentionForm form) {
  return form == LinearAttentionForm::Recurrent ? "recurrent" : "chunked";
}

DictionaryAttr ChunkConfig::toAttr(MLIRContext *context) const {
  Builder b(context);
  SmallVector<NamedAttribute> entries = {
      b.getNamedAttr("chunk_size", b.getI64IntegerAttr(chunkSize)),
      b.getNamedAttr("linear_attention_form",
                     b.getStringAttr(formName(linearAttentionForm))),
      b.getNamedAttr("serial_below", b.getI64IntegerAttr(serialBelow)),
      b.getNamedAttr("state_pass", b.getStringAttr(statePassName(statePass)))};
  if (valueBlock != 0)
    entries.push_back(
        b.getNamedAttr("value_block", b.getI64IntegerAttr(valueBlock)));
  if (localState)
    entries.push_back(b.getNamedAttr("local_state", b.getBoolAttr(true)));
  if (keySplits != 0)
    entries.push_back(
        b.getNamedAttr("key_splits", b.getI64IntegerAttr(keySplits)));
  if (sequenceSplits != 0)
    entries.push_back(b.getNamedAttr("sequence_splits",
                                     b.getI64IntegerAttr(sequenceSplits)));
  return b.getDictionaryAttr(entries);
}

FailureOr<ChunkConfig> ChunkConfig::fromOp(Operation *op) {
  auto dict = op->getAttrOfType<DictionaryAttr>(attrName);
  if (!dict)
    return op->emitOpError("has no ")
           << attrName << " dictionary (run a target's configuration step, "
           << "--recur-cpu-configure, first)";
  ChunkConfig config;
  auto integer = [&](StringRef name, int64_t low, int64_t high,
                     int64_t &out) -> LogicalResult {
    auto value = dict.getAs<IntegerAttr>(name);
    if (!value || value.getValue().getSignificantBits() > 64 ||
        value.getInt() < low || value.getInt() > high)
      return op->emitOpError() << attrName << ": " << name
                               << " must be an integer in [" << low << ", "
                               << high << "]";
    out = value.getInt();
    return success();
  };
  auto choice = [&](StringRef name, ArrayRef<StringRef> choices,
                    unsigned &out) -> LogicalResult {
    auto value = dict.getAs<StringAttr>(name);
    const auto *it = value ? llvm::find(choices, value.getValue())
                           : choices.end();
    if (it == choices.end())
      return op->emitOpError() << attrName << ": " << name << " must be \""
                               << llvm::join(choices, "\" or \"") << "\"";
    out = it - choices.begin();
    return success();
  };
  unsigned pass, form;
  if (failed(integer("chunk_size", 1, 1024, config.chunkSize)) ||
      failed(integer("serial_below", 0, INT64_MAX, config.serialBelow)) ||
      failed(choice("state_pass", {"sequential", "parallel"}, pass)) ||
      failed(choice("linear_attention_form", {"chunked", "recurrent"}, form)))
    return failure();
  if (dict.contains("value_block") &&
      failed(integer("value_block", 1, INT64_MAX, config.valueBlock)))
    return failure();
  if (dict.contains("key_splits") &&
      failed(integer("key_splits", 1, kMaxKeySplits, config.keySplits)))
    return failure();
  if (dict.contains("sequence_splits") &&
      failed(integer("sequence_splits", 1, kMaxSequenceSplits,
                     config.sequenceSplits)))
    return failure();
  if (Attribute local = dict.get("local_state")) {
    auto flag = dyn_cast<BoolAttr>(local);
    if (!flag)
      return op->emitOpError()
             << attrName << ": local_state must be true or false";
    config.localState = flag.getValue();
  }
  for (NamedAttribute entry : dict)
    if (!llvm::is_contained({"chunk_size", "serial_below", "state_pass",
                             "linear_attention_form", "value_block",
                             "local_state", "key_splits",
                             "sequence_splits"},
                            entry.getName().strref()))
      return op->emitOpError() << attrName << ": unknown entry '"
                               << entry.getName().strref() << "'";
  config.statePass = pass ? StatePass::Parallel : StatePass::Sequential;
  config.linearAttentionForm =
      form ? LinearAttentionForm::Recurrent : LinearAttentionForm::Chunked;
  return config;
}

std::optional<ChunkConfig> ChunkConfig::read(Operation *op) {
  // The errors of a malformed configuration go nowhere.
  ScopedDiagnosticHandler silence(op->getContext(),
                                  [](Diagnostic &) { return success(); });
  FailureOr<ChunkConfig> config = fromOp(op);
  if (failed(config))
    return std::nullopt;
  return *config;
}

LogicalResult ChunkConfig::checkOptions(Operation *scope, StringRef pass,
                                        int64_t chunkSize,
                                        int64_t serialBelow) {
  if (chunkSize < 1 || chunkSize > 1024)
    return scope->emitError() << "--" << pass
                              << ": chunk-size must be in [1, 1024], got "
                              << chunkSize;
  if (serialBelow < 0)
    return scope->emitError() << "--" << pass
                              << ": serial-below must be >= 0, got "
                              << serialBelow;
  return success();
}

bool ChunkConfig::operator<(const ChunkConfig &other) const {
  return std::make_tuple(chunkSize, static_cast<int>(statePass), serialBelow,
                         static_cast<int>(linearAttentionForm), valueBlock,
                         localState, keySplits, sequenceSplits) <
         std::make_tuple(other.chunkSize, static_cast<int>(other.statePass),
                         other.serialBelow,
                         static_cast<int>(other.linearAttentionForm),
                         other.valueBlock, other.localState, other.keySplits,
                         other.sequenceSplits);
}
