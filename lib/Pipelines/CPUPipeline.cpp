//===- CPUPipeline.cpp - The CPU compilation pipeline ---------------------===//
//
// Built from typed pass constructors, so that a pass or option that does not
// exist is a compile error rather than a run-time parse failure.
//
//===----------------------------------------------------------------------===//

#include "recur/Pipelines/Pipelines.h"

#include "recur/Codegen/CPU/Passes.h"
#include "recur/Conversion/Passes.h"
#include "recur/Dialect/Recur/Transforms/Passes.h"
#include "recur/Codegen/Common/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::recur;

/// The largest temporary kept on the stack: a 128 x 128 f32 tile.
static constexpr unsigned kMaxStackTemporaryBytes = 64 * 1024;

void mlir::recur::buildCInterfacePipeline(OpPassManager &pm,
                                          bool bufferHandles) {
  // The trust boundary: only what a description may use goes on.
  pm.addPass(createRecurCheckDescription());
  pm.addPass(createRecurBufferABI());
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  // Every size the exported functions trust is checked at their entry.
  RecurRuntimeChecksOptions checks;
  checks.bufferHandles = bufferHandles;
  pm.addPass(createRecurRuntimeChecks(checks));
  pm.addPass(createCanonicalizerPass());
}

void mlir::recur::buildRecurLoweringPipeline(
    OpPassManager &pm, const CPUPipelineOptions &options) {
  buildCInterfacePipeline(pm, /*bufferHandles=*/false);
  // `default` takes the chunked form of every op (and a token-serial form
  // of decode-length linear attention); the reference lowering takes
  // everything under `reference`, and stays as a safety net under `default`.
  if (options.lowering == RecurLowering::Default) {
    // One sequence of one head per tile (upstream tiling through the ops'
    // TilingInterface), then each tile in chunks.
    pm.addPass(createRecurTileBatchHeads());
    // The CPU policy (chunk size, forms, state pass), recorded on each op;
    // the chunk patterns build what it says.
    RecurCPUConfigureOptions policy;
    policy.chunkSize = options.chunkSize;
    policy.statePass = options.statePass;
    policy.serialBelow = options.serialBelow;
    policy.linearAttentionForm = options.linearAttentionForm;
    pm.addPass(createRecurCPUConfigure(policy));
    // A description's own sequence_splits.
    pm.addPass(createRecurSplitSequences());
    pm.addPass(createRecurChunk());
    // The chunked forms' A B^T as B^T formed once and a plain matmul.
    pm.addNestedPass<func::FuncOp>(createRecurCPUTransposeB());
  }
  pm.addPass(createRecurLowerToLoops());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.lowering == RecurLowering::Default) {
    // The projections as GEMMs on the weights as stored, before the
    // register tiles of everything else.
    RecurCPUProjectionsOptions projections;
    projections.vectorBits = options.vectorBits;
    pm.addNestedPass<func::FuncOp>(createRecurCPUProjections(projections));
  }
  // Packed weights that no projection read in panels, as [N, K].
  pm.addPass(createRecurLowerUnpack());
  if (options.lowering == RecurLowering::Default) {
    RecurVectorizeOptions vectorize;
    vectorize.vectorBits = options.vectorBits;
    pm.addNestedPass<func::FuncOp>(createRecurVectorize(vectorize));
    pm.addPass(createCSEPass());
  }
}

void mlir::recur::buildBufferizationPipeline(OpPassManager &pm,
                                             bool stackTemporaries) {
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  // A chain of elementwise ops becomes one op: one pass over memory, and a
  // chain of a thousand ops no longer makes the bufferization analysis
  // (quadratic in the aliases of in-place chains) take minutes.
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  // A destination that is a read-only input is copied into the output the
  // result ends in, not into a temporary copied again.
  pm.addNestedPass<func::FuncOp>(createRecurCopyReadOnlyInits());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // A private function's results that are its arguments' buffers (a whole
  // model's layer function, which writes its results over its arguments)
  // leave its signature: no buffer crosses a call to be freed elsewhere.
  // (A view of an argument that reshapes it back, as a state's reshape
  // and its inverse, folds to the argument first.)
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  // Small static temporaries (chunk tiles) leave the loops and live on the
  // stack, one set per iteration of a parallel loop: no allocation in the
  // hot path.
  if (stackTemporaries) {
    OpPassManager &funcs = pm.nest<func::FuncOp>();
    funcs.addPass(bufferization::createBufferLoopHoistingPass());
    bufferization::PromoteBuffersToStackPassOptions stack;
    stack.maxAllocSizeInBytes = kMaxStackTemporaryBytes;
    stack.maxRankOfAllocatedMemRef = 0; // static shapes only
    funcs.addPass(bufferization::createPromoteBuffersToStackPass(stack));
  }
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // Every run-time sized allocation's byte count, with overflow checks.
  pm.addPass(createRecurAllocationSizeChecks());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::recur::buildLLVMLoweringPipeline(OpPassManager &pm,
                                            const CPUPipelineOptions &options) {
  OpPassManager &funcs = pm.nest<func::FuncOp>();
  // The oracle keeps libm's exp; the chunked forms use an inline polynomial
  // that LLVM vectorizes.
  if (options.lowering == RecurLowering::Default)
    funcs.addPass(createRecurApproximateExp());
  funcs.addPass(createRecurCopyToLinalg());
  funcs.addPass(createRecurCPULoopOrder());
  RecurParallelLoopsOptions parallel;
  parallel.threads = options.openmp;
  pm.addPass(createRecurParallelLoops(parallel));
  OpPassManager &loops = pm.nest<func::FuncOp>();
  loops.addPass(createConvertLinalgToLoopsPass());
  loops.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createRecurLowerExpandShape());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  if (options.openmp)
    pm.addPass(createConvertSCFToOpenMPPass());
  // After the last canonicalization, which would merge the scopes away, and
  // after the OpenMP loops, whose bodies come as memref.alloca_scope.
  pm.addNestedPass<func::FuncOp>(createRecurStackScopes());
  pm.addPass(createSCFToControlFlowPass());
  ConvertMathToLLVMPassOptions math;
  math.approximateLog1p = false; // exact log1p, as the references compute
  pm.addPass(createConvertMathToLLVMPass(math));
  pm.addPass(createConvertMathToLibmPass());
  // The square tiles of a transpose (recur-vectorize) as shuffles.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.vectorTransposeLowering =
      vector::VectorTransposeLowering::Shuffle1D;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  if (options.openmp)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createRecurCWrappers());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::recur::buildCPUPipeline(OpPassManager &pm,
                                   const CPUPipelineOptions &options) {
  buildRecurLoweringPipeline(pm, options);
  buildBufferizationPipeline(pm, /*stackTemporaries=*/true);
  buildLLVMLoweringPipeline(pm, options);
}

void mlir::recur::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "recur-cpu-pipeline",
      "Lower a recur model description to the LLVM dialect with C entry "
      "points",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUPipeline(pm, options);
      });
}
