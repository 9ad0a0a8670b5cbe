//===- CPUPipeline.cpp - The CPU compilation pipeline ---------------------===//
//
// Upstream passes are named in textual form: it reads like the pipeline a
// developer would type into recur-opt, and parsePassPipeline reports unknown
// passes or options. A bare list is parsed onto the module-level manager.
//
//===----------------------------------------------------------------------===//

#include "recur/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::recur;

static LogicalResult addPasses(OpPassManager &pm, StringRef pipeline) {
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  if (succeeded(parsePassPipeline(pipeline, pm, errorStream)))
    return success();
  llvm::errs() << "internal error: bad pass pipeline '" << pipeline
               << "': " << errors << "\n";
  return failure();
}

LogicalResult mlir::recur::populateRecurLoweringPipeline(
    OpPassManager &pm, const CPUPipelineOptions &options) {
  if (failed(addPasses(pm, "recur-buffer-abi,inline,symbol-dce")))
    return failure();
  // `default` takes the chunked form of every op that has one; the
  // reference lowering takes the rest (and everything under `reference`).
  if (options.lowering == RecurLowering::Default &&
      failed(addPasses(
          pm, "recur-chunk{chunk-size=" + std::to_string(options.chunkSize) +
                  " state-pass=" +
                  (options.statePass == StatePass::Parallel ? "parallel"
                                                            : "sequential") +
                  "}")))
    return failure();
  return addPasses(pm, "recur-lower-to-loops,canonicalize,cse");
}

LogicalResult mlir::recur::populateBufferizationPipeline(OpPassManager &pm) {
  return addPasses(
      pm, "func.func(convert-elementwise-to-linalg),eliminate-empty-tensors,"
          "one-shot-bufferize{bufferize-function-boundaries "
          "function-boundary-type-conversion=identity-layout-map},"
          "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
          "canonicalize,cse");
}

LogicalResult mlir::recur::populateLLVMLoweringPipeline(OpPassManager &pm) {
  return addPasses(
      pm, "func.func(recur-copy-to-linalg,recur-cpu-loop-order,"
          "scf-forall-to-parallel,"
          "convert-linalg-to-loops),"
          "loop-invariant-code-motion,"
          "recur-lower-expand-shape,expand-strided-metadata,lower-affine,"
          "arith-expand{include-bf16=true},"
          "convert-scf-to-cf,convert-math-to-llvm{approximate-log1p=false},"
          "convert-math-to-libm,"
          "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
          "convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts,"
          "recur-c-wrappers,canonicalize,cse");
}

LogicalResult
mlir::recur::populateCPUPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options) {
  return success(succeeded(populateRecurLoweringPipeline(pm, options)) &&
                 succeeded(populateBufferizationPipeline(pm)) &&
                 succeeded(populateLLVMLoweringPipeline(pm)));
}

void mlir::recur::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "recur-cpu-pipeline",
      "Lower a recur model description to the LLVM dialect with C entry "
      "points",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        return populateCPUPipeline(pm, options);
      });
}
