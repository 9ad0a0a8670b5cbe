//===- ChunkPolicy.cpp - The CPU policy of the chunked forms --------------===//
//
// Every choice of the chunked forms that is tuning, not math, made for the
// CPU in one place and recorded on each op (recur.chunk_config), which
// --recur-chunk reads.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/CPU/Passes.h"

#include "recur/Conversion/RecurToChunks/ChunkConfig.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCPUCONFIGURE
#include "recur/Codegen/CPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The state size (K x V) from which the chunked form of linear attention
/// wins on CPUs (docs/chunked-forms.md, "Choosing a form").
static constexpr int64_t kChunkedFromStateSize = 128 * 128;

/// The form of linear attention `op` the shape favours on CPUs: the
/// chunked form from a 128 x 128 state on, unless the gate is per key,
/// which costs it an exp per (query, key, channel) in each chunk.
static LinearAttentionForm favouredForm(LinearAttentionOp op) {
  int64_t keyDim = cast<RankedTensorType>(op.getQ().getType()).getDimSize(3);
  int64_t valueDim = cast<RankedTensorType>(op.getV().getType()).getDimSize(3);
  bool largeState = !ShapedType::isDynamic(keyDim) &&
                    !ShapedType::isDynamic(valueDim) &&
                    keyDim * valueDim >= kChunkedFromStateSize;
  return largeState && op.getGateKind() != GateKind::key
             ? LinearAttentionForm::Chunked
             : LinearAttentionForm::Recurrent;
}

namespace {
struct RecurCPUConfigure
    : recur::impl::RecurCPUConfigureBase<RecurCPUConfigure> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(ChunkConfig::checkOptions(getOperation(), getArgument(),
                                         chunkSize, serialBelow)))
      return signalPassFailure();
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (!isa<LinearAttentionOp, AttentionOp, Conv1dOp, ScanOp,
               SelectiveScanOp>(op))
        return WalkResult::advance();
      // A description's own configuration stays, if it is well formed.
      if (op->hasAttr(ChunkConfig::attrName))
        return failed(ChunkConfig::fromOp(op)) ? WalkResult::interrupt()
                                               : WalkResult::advance();
      ChunkConfig config;
      config.chunkSize = chunkSize;
      config.statePass = statePass;
      config.serialBelow = serialBelow;
      config.linearAttentionForm = linearAttentionForm;
      if (auto linear = dyn_cast<LinearAttentionOp>(op);
          linear && linearAttentionForm == LinearAttentionForm::Auto)
        config.linearAttentionForm = favouredForm(linear);
      if (config.linearAttentionForm == LinearAttentionForm::Auto)
        config.linearAttentionForm = LinearAttentionForm::Chunked;
      op->setAttr(ChunkConfig::attrName, config.toAttr(&getContext()));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
