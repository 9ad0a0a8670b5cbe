//===- Pipelines.h - recur's compilation pipelines ----------------*- C++ -*-===//
//
// The CPU pipeline, in stages, from a model description (recur ops mixed with
// func/arith/math/linalg/tensor) to the LLVM dialect with plain C entry
// points. recur-opt registers it as --recur-cpu-pipeline; recur-compile calls
// the same function.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PIPELINES_PIPELINES_H
#define RECUR_PIPELINES_PIPELINES_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
namespace recur {

/// How recur ops are lowered. `reference` is the token-by-token oracle;
/// `default` is the fastest lowering available for each op.
enum class RecurLowering { Reference, Default };

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<RecurLowering> lowering{
      *this, "lowering", llvm::cl::desc("How recur ops are lowered"),
      llvm::cl::init(RecurLowering::Default),
      llvm::cl::values(
          clEnumValN(RecurLowering::Default, "default",
                     "the fastest lowering available for each op"),
          clEnumValN(RecurLowering::Reference, "reference",
                     "token-by-token loops, the oracle"))};
  PassOptions::Option<int64_t> chunkSize{
      *this, "chunk-size",
      llvm::cl::desc("Tokens per chunk of the chunked forms (default 64)"),
      llvm::cl::init(64)};
  PassOptions::Option<StatePass> statePass{
      *this, "state-pass",
      llvm::cl::desc("How the state crosses chunks in the chunked forms"),
      llvm::cl::init(StatePass::Sequential),
      llvm::cl::values(
          clEnumValN(StatePass::Sequential, "sequential",
                     "one loop carries the state from chunk to chunk"),
          clEnumValN(StatePass::Parallel, "parallel",
                     "chunk summaries in parallel, then chunk outputs in "
                     "parallel"))};
};

/// Stage 1: public functions get the caller-owned-buffer interface and recur
/// ops are lowered (still on tensors).
LogicalResult populateRecurLoweringPipeline(OpPassManager &pm,
                                            const CPUPipelineOptions &options);
/// Stage 2: tensors become buffers; temporaries are freed.
LogicalResult populateBufferizationPipeline(OpPassManager &pm);
/// Stage 3: loops, memrefs and math to the LLVM dialect, plus C entry points.
LogicalResult populateLLVMLoweringPipeline(OpPassManager &pm);

/// All three stages.
LogicalResult populateCPUPipeline(OpPassManager &pm,
                                  const CPUPipelineOptions &options);

/// Registers --recur-cpu-pipeline with the pass registry (for recur-opt).
void registerCPUPipeline();

} // namespace recur
} // namespace mlir

#endif // RECUR_PIPELINES_PIPELINES_H
