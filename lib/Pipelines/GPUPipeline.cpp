//===- GPUPipeline.cpp - The GPU compilation pipelines --------------------===//
//
// The common stage (C interface, entry checks, tiling into blocks and
// threads, the token-serial lowering, bufferization, launches and kernel
// outlining) and the two GPU tails: SPIR-V kernels with launches over
// recur's Vulkan runtime, and NVVM kernels compiled to a fatbin (or PTX)
// with launches over recur's CUDA runtime.
//
//===----------------------------------------------------------------------===//

#include "recur/Pipelines/Pipelines.h"

#include "recur/Codegen/GPU/Passes.h"
#include "recur/Conversion/Passes.h"
#include "recur/Codegen/Common/Passes.h"

#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRVPass.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::recur;

void mlir::recur::buildGPUKernelsPipeline(OpPassManager &pm,
                                          const GPUPipelineOptions &options,
                                          bool mmaStaging) {
  buildCInterfacePipeline(pm, /*bufferHandles=*/true);
  // Packed weights as [N, K]: the GPU's matmuls read them as stored.
  pm.addPass(createRecurLowerUnpack());
  // The GPU policy: which ops take the chunked form, with which tiles
  // (under the reference lowering, only those with no token-serial form).
  RecurGPUConfigureOptions policy;
  policy.tokenSerial = options.lowering == RecurLowering::Reference;
  policy.sharedMemoryBytes = options.sharedMemoryBytes;
  policy.threadsPerBlock = options.threadsPerBlock;
  policy.gpuBlocks = options.gpuBlocks;
  policy.mmaStaging = mmaStaging;
  policy.chunkSize = options.chunkSize;
  policy.serialBelow = options.serialBelow;
  policy.linearAttentionForm = options.linearAttentionForm;
  pm.addPass(createRecurGPUConfigure(policy));
  // Sequences split into parts where B x H cannot fill the GPU.
  pm.addPass(createRecurSplitSequences());
  // Blocks over (batch, heads); a chunked op's block takes its chunked
  // form (tile ops its threads share), any other op's block has threads
  // over the other independent dimensions, each walking its tokens.
  pm.addPass(createRecurGPUTile());
  // A tile's output that nothing reads leaves its forall's results (the
  // parts' end states of a split sequence update the state only).
  pm.addPass(createCanonicalizerPass());
  RecurChunkOptions chunk;
  chunk.configuredOnly = true;
  pm.addPass(createRecurChunk(chunk));
  pm.addPass(createRecurLowerToLoops());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Matmuls read the tiles of 16-bit inputs as they are, not their f32
  // widenings.
  pm.addPass(createRecurGPUNarrowMatmulOperands());

  // Bufferization: temporaries are device buffers of the call, freed at
  // its end.
  buildBufferizationPipeline(pm, /*stackTemporaries=*/false);

  // Every loop nest over buffers becomes a kernel.
  OpPassManager &funcs = pm.nest<func::FuncOp>();
  RecurCopyToLinalgOptions copies;
  copies.all = true;
  funcs.addPass(createRecurCopyToLinalg(copies));
  // Matmuls of 16-bit ops: warp-wide MMAs, each tail's own instruction.
  RecurGPUMMAMatmulsOptions mma;
  mma.inputPrecision = options.matmulPrecision == MatmulPrecision::Input;
  pm.addPass(createRecurGPUMMAMatmuls(mma));
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  RecurGPUMapToLaunchesOptions launches;
  launches.threadsPerBlock = options.threadsPerBlock;
  pm.addPass(createRecurGPUMapToLaunches(launches));
  pm.addPass(memref::createFoldMemRefAliasOpsPass());
  RecurGPUFlattenBuffersOptions flatten;
  flatten.sharedMemoryBytes = options.sharedMemoryBytes;
  flatten.mmaStaging = mmaStaging;
  pm.addPass(createRecurGPUFlattenBuffers(flatten));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createRecurGPUMergeKernelModules());
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createLowerAffinePass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  kernels.addPass(arith::createArithExpandOpsPass(expand));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
}

/// Stage 3 of the host code, shared by the GPU tails: what is left on the
/// host (checks, views, allocations, runtime calls) to the LLVM dialect,
/// with C entry points.
static void buildHostLLVMPipeline(OpPassManager &pm,
                                  StringRef streamSetter = "",
                                  StringRef workspaceSetter = "") {
  pm.addPass(createLowerAffinePass());
  pm.addPass(createRecurLowerExpandShape());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  RecurCWrappersOptions wrappers;
  wrappers.streamSetter = streamSetter.str();
  wrappers.workspaceSetter = workspaceSetter.str();
  pm.addPass(createRecurCWrappers(wrappers));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::recur::buildVulkanPipeline(OpPassManager &pm,
                                      const GPUPipelineOptions &options) {
  // The MMAs are emulated through shared memory.
  buildGPUKernelsPipeline(pm, options, /*mmaStaging=*/true);
  // Vulkan 1.3 with 16-bit storage: what lavapipe and every desktop GPU
  // driver give.
  GpuSPIRVAttachTargetOptions target;
  target.spirvVersion = "v1.3";
  target.spirvCapabilities = {"Shader", "Float16", "Int16", "Int64",
                              "StorageBuffer16BitAccess"};
  target.spirvExtensions = {"SPV_KHR_storage_buffer_storage_class",
                            "SPV_KHR_16bit_storage"};
  target.clientApi = "Vulkan";
  pm.addPass(createGpuSPIRVAttachTarget(target));
  // After the common stage's arith-expand (bf16 widened with integer ops).
  pm.addNestedPass<gpu::GPUModuleOp>(createRecurVulkanEmulateMMA());
  pm.addPass(createRecurSPIRVEntryPoints());
  pm.addPass(createRecurVulkanPackScalars());
  // MLIR 22's SPIR-V form of an scf.for with results stores them only in
  // its body: a loop of no iterations yields an uninitialized value. The
  // form of scf.while stores them in the loop header.
  pm.addNestedPass<gpu::GPUModuleOp>(createForToWhileLoopPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addPass(createConvertMathToSPIRVPass());
  pm.addPass(createConvertGPUToSPIRVPass());
  OpPassManager &spirvModules = pm.nest<spirv::ModuleOp>();
  spirvModules.addPass(spirv::createSPIRVLowerABIAttributesPass());
  spirvModules.addPass(spirv::createSPIRVUpdateVCEPass());
  pm.addPass(createRecurVulkanLaunches());
  buildHostLLVMPipeline(pm);
  RecurDeviceAllocatorOptions allocator;
  allocator.allocate = "recur_vk_malloc";
  allocator.release = "recur_vk_free";
  pm.addPass(createRecurDeviceAllocator(allocator));
}

/// The cuda target's kernels: NVVM, compiled by the toolkit into a
/// gpu.binary (`format`: "isa" for PTX, "fatbin" for SASS of `gpu-arch`
/// with its PTX).
static void buildCUDAKernels(OpPassManager &pm,
                             const GPUPipelineOptions &options,
                             StringRef format) {
  // mma.sync takes its operands in registers.
  buildGPUKernelsPipeline(pm, options, /*mmaStaging=*/false);
  pm.addPass(createRecurCUDAKernelABI());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.gpuArch;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createRecurCUDAMMASync());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = options.cudaPath;
  binary.compilationTarget = format.str();
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::recur::buildCUDAKernelsPipeline(OpPassManager &pm,
                                           const GPUPipelineOptions &options) {
  buildCUDAKernels(pm, options, "isa");
}

void mlir::recur::buildCUDAPipeline(OpPassManager &pm,
                                    const GPUPipelineOptions &options) {
  buildCUDAKernels(pm, options, "fatbin");
  pm.addPass(createRecurCUDALaunches());
  buildHostLLVMPipeline(pm, "recur_cuda_set_stream",
                        "recur_cuda_set_workspace");
  RecurDeviceAllocatorOptions allocator;
  allocator.allocate = "recur_cuda_malloc_current";
  allocator.release = "recur_cuda_free_current";
  pm.addPass(createRecurDeviceAllocator(allocator));
}

void mlir::recur::registerGPUPipelines() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "recur-vulkan-pipeline",
      "Lower a recur model description to SPIR-V kernels and host code in "
      "the LLVM dialect that launches them through recur's Vulkan runtime",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildVulkanPipeline(pm, options);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "recur-cuda-kernels-pipeline",
      "Lower a recur model description to GPU kernels compiled to PTX "
      "(gpu.binary) and host code with gpu.launch_func",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildCUDAKernelsPipeline(pm, options);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "recur-cuda-pipeline",
      "Lower a recur model description to a CUDA fatbin and host code in "
      "the LLVM dialect that launches its kernels through recur's CUDA "
      "runtime",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildCUDAPipeline(pm, options);
      });
}
