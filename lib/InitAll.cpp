//===- InitAll.cpp - Register recur and what it builds on -----------------===//

#include "recur/InitAll.h"

#include "recur/Codegen/CPU/Passes.h"
#include "recur/Codegen/GPU/Passes.h"
#include "recur/Conversion/Passes.h"
#include "recur/Dialect/Recur/IR/RecurDialect.h"
#include "recur/Dialect/Recur/Transforms/Passes.h"
#include "recur/Codegen/Common/CallValueBounds.h"
#include "recur/Codegen/Common/Passes.h"
#include "recur/Pipelines/Pipelines.h"

#include "mlir/Dialect/Linalg/Transforms/RuntimeOpVerification.h"
#include "mlir/Dialect/Tensor/Transforms/RuntimeOpVerification.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::recur::registerAllDialects(DialectRegistry &registry) {
  registry.insert<RecurDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates the NVVM kernels to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  // The checks --recur-runtime-checks generates where indices and sizes
  // are used.
  linalg::registerRuntimeVerifiableOpInterfaceExternalModels(registry);
  tensor::registerRuntimeVerifiableOpInterfaceExternalModels(registry);
  // The sizes of a call's results (a whole model's layer calls).
  registerCallValueBoundsExternalModel(registry);
}

void mlir::recur::registerAllPasses() {
  mlir::registerAllPasses();
  registerRecurConversionPasses();
  registerRecurCommonPasses();
  registerRecurDialectPasses();
  registerRecurCPUPasses();
  registerRecurGPUPasses();
  registerCPUPipeline();
  registerGPUPipelines();
}
