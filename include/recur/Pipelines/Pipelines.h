//===- Pipelines.h - recur's compilation pipelines ----------------*- C++
//-*-===//
//
// The CPU pipeline, in stages, from a model description (recur ops mixed with
// func/arith/math/linalg/tensor) to the LLVM dialect with plain C entry
// points. recur-opt registers it as --recur-cpu-pipeline; recur-compile calls
// the same function, with options parsed from the same definitions
// (`LoweringOptionValues`, `StatePassOptionValues`, ...).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_PIPELINES_PIPELINES_H
#define RECUR_PIPELINES_PIPELINES_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <algorithm>

namespace mlir {
namespace recur {

/// How recur ops are lowered. `reference` is the token-by-token oracle;
/// `default` is the chunked form of every op.
enum class RecurLowering { Reference, Default };

// One definition of each pipeline option, for --recur-cpu-pipeline and for
// recur-compile's command line.
inline constexpr const char *kLoweringDescription = "How recur ops are lowered";
inline auto loweringOptionValues() {
  return llvm::cl::values(clEnumValN(RecurLowering::Default, "default",
                                     "the chunked form of every op (default)"),
                          clEnumValN(RecurLowering::Reference, "reference",
                                     "token-by-token loops, the oracle"));
}
inline constexpr int64_t kDefaultChunkSize = 64;
inline constexpr const char *kChunkSizeDescription =
    "Tokens per chunk of the chunked forms, 1 to 1024 (default 64)";
inline constexpr int64_t kDefaultSerialBelow = 16;
inline constexpr const char *kSerialBelowDescription =
    "Linear attention over fewer tokens (decode steps) takes the "
    "token-serial form, attention query tiles of one position; 0 turns "
    "both off (default 16)";
inline constexpr int64_t kDefaultVectorBits = 512;
inline constexpr const char *kVectorBitsDescription =
    "Vector register width the default pipeline tiles for: 128, 256 or 512 "
    "(recur-compile takes it from the target CPU)";
inline constexpr const char *kOpenMPDescription =
    "Run the batch x head loops on OpenMP threads (link with -lomp; "
    "OMP_NUM_THREADS sets the count); false: one thread, no libomp "
    "(default true)";
inline constexpr const char *kLinearAttentionFormDescription =
    "The form of linear attention over serial-below tokens or more";
inline auto linearAttentionFormOptionValues() {
  return llvm::cl::values(
      clEnumValN(LinearAttentionForm::Auto, "auto",
                 "the form the shape favours (default; "
                 "docs/chunked-forms.md)"),
      clEnumValN(LinearAttentionForm::Chunked, "chunked",
                 "matmuls on chunk tiles"),
      clEnumValN(LinearAttentionForm::Recurrent, "recurrent",
                 "the token-serial form, on chunk tiles"));
}
inline constexpr const char *kStatePassDescription =
    "How the state crosses chunks in the chunked forms";
inline auto statePassOptionValues() {
  return llvm::cl::values(
      clEnumValN(StatePass::Sequential, "sequential",
                 "one loop carries the state from chunk to chunk (default)"),
      clEnumValN(StatePass::Parallel, "parallel",
                 "chunk summaries in parallel, a combine, then chunk outputs "
                 "in parallel (scans and non-delta linear attention)"));
}

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<RecurLowering> lowering{
      *this, "lowering", llvm::cl::desc(kLoweringDescription),
      llvm::cl::init(RecurLowering::Default), loweringOptionValues()};
  PassOptions::Option<int64_t> chunkSize{*this, "chunk-size",
                                         llvm::cl::desc(kChunkSizeDescription),
                                         llvm::cl::init(kDefaultChunkSize)};
  PassOptions::Option<StatePass> statePass{
      *this, "state-pass", llvm::cl::desc(kStatePassDescription),
      llvm::cl::init(StatePass::Sequential), statePassOptionValues()};
  PassOptions::Option<int64_t> vectorBits{
      *this, "vector-bits", llvm::cl::desc(kVectorBitsDescription),
      llvm::cl::init(kDefaultVectorBits)};
  PassOptions::Option<bool> openmp{*this, "openmp",
                                    llvm::cl::desc(kOpenMPDescription),
                                    llvm::cl::init(true)};
  PassOptions::Option<LinearAttentionForm> linearAttentionForm{
      *this, "linear-attention-form",
      llvm::cl::desc(kLinearAttentionFormDescription),
      llvm::cl::init(LinearAttentionForm::Auto),
      linearAttentionFormOptionValues()};
  PassOptions::Option<int64_t> serialBelow{
      *this, "serial-below", llvm::cl::desc(kSerialBelowDescription),
      llvm::cl::init(kDefaultSerialBelow)};
};

/// The start of every pipeline, on tensors: the trust boundary, the
/// caller-owned-buffer interface of public functions and its entry checks
/// (of buffer handles on GPU targets: `bufferHandles`).
void buildCInterfacePipeline(OpPassManager &pm, bool bufferHandles);

/// Stage 1: public functions get the caller-owned-buffer interface and recur
/// ops are lowered (still on tensors).
void buildRecurLoweringPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options);
/// Stage 2: tensors become buffers; temporaries are freed.
/// With `stackTemporaries` (the CPU), small static temporaries leave the
/// loops and go on the stack; on GPU targets --recur-gpu-flatten-buffers
/// makes the ones inside kernels private memory.
void buildBufferizationPipeline(OpPassManager &pm, bool stackTemporaries);
/// Stage 3: loops, memrefs and math to the LLVM dialect, plus C entry points.
void buildLLVMLoweringPipeline(OpPassManager &pm,
                               const CPUPipelineOptions &options);

/// All three stages.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers --recur-cpu-pipeline with the pass registry (for recur-opt).
void registerCPUPipeline();

inline constexpr const char *kGPUArchDescription =
    "The NVIDIA GPU architecture of the cuda target: sm_80, sm_86, sm_89 "
    "or sm_90 (default sm_80)";
inline constexpr const char *kCUDAPathDescription =
    "The CUDA toolkit (ptxas, libdevice) of the cuda target (default "
    "$CUDA_HOME, else /usr/local/cuda)";
inline constexpr const char *kThreadsPerBlockDescription =
    "Threads per GPU block for loops of run-time size, 1 to 1024 (default "
    "128)";

inline constexpr const char *kSharedMemoryBytesDescription =
    "The shared memory of one GPU block the chunk tiles may take, in bytes "
    "(default 32768: what Vulkan devices such as lavapipe give; "
    "recur-compile's default for the cuda target depends on --gpu-arch)";

inline constexpr const char *kGPUBlocksDescription =
    "The blocks that fill the GPU (its multiprocessors times the blocks "
    "each holds at once): linear attention of static B, H and T with at "
    "most half as many blocks splits its sequences into parts (default 0: "
    "never, as on vulkan; recur-compile's default for the cuda target "
    "comes from --gpu-arch)";

/// The vulkan target's shared memory per block: what lavapipe gives.
inline constexpr int64_t kVulkanSharedMemoryBytes = 32768;

/// What one block of a cuda-target kernel can take on `arch` (sm_80, sm_86,
/// sm_89 or sm_90) once opted in: CUDA's "shared memory per block
/// (opt-in)" of each compute capability.
inline int64_t cudaMaxSharedMemoryBytes(llvm::StringRef arch) {
  if (arch == "sm_90")
    return 227 * 1024;
  if (arch == "sm_80")
    return 163 * 1024;
  return 99 * 1024; // sm_86, sm_89
}

/// The multiprocessors of `arch`'s largest data-center GPU: A100 (sm_80,
/// 108), A40 (sm_86, 84), L40S (sm_89, 142), H100 SXM (sm_90, 132).
inline int64_t cudaMultiprocessors(llvm::StringRef arch) {
  if (arch == "sm_90")
    return 132;
  if (arch == "sm_89")
    return 142;
  if (arch == "sm_86")
    return 84;
  return 108;
}

/// The blocks that fill a GPU of `arch` whose blocks take `sharedBytes`
/// of shared memory each: its multiprocessors times the blocks an SM's
/// shared memory holds (each with the 1 KiB the driver keeps), at least 1.
inline int64_t cudaDefaultGPUBlocks(llvm::StringRef arch,
                                    int64_t sharedBytes) {
  int64_t perSM = cudaMaxSharedMemoryBytes(arch) + 1024;
  return cudaMultiprocessors(arch) *
         std::max<int64_t>(1, perSM / (sharedBytes + 1024));
}

/// The cuda target's default budget on `arch`: half an SM's shared memory
/// (the opt-in limit plus the 1 KiB the driver keeps per block), less that
/// 1 KiB, so that two blocks share an SM and one's barriers overlap the
/// other's work.
inline int64_t cudaDefaultSharedMemoryBytes(llvm::StringRef arch) {
  return (cudaMaxSharedMemoryBytes(arch) + 1024) / 2 - 1024;
}

/// The GPU targets' most tokens per chunk: the policy halves it where the
/// tiles would not fit a block's shared memory.
inline constexpr int64_t kDefaultGPUChunkSize = 16;
inline constexpr const char *kGPUChunkSizeDescription =
    "Tokens per chunk of the chunked forms on GPU targets, the most (1 to "
    "1024, default 16)";
inline constexpr const char *kGPULinearAttentionFormDescription =
    "The form of linear attention on GPU targets: auto or chunked (chunked "
    "where its tiles fit a block's shared memory), recurrent (one thread "
    "per value column)";

/// How GPU targets multiply the chunk tiles on matrix units.
enum class MatmulPrecision { Split, Input };
inline constexpr const char *kMatmulPrecisionDescription =
    "The operands of the chunked forms' matmuls on GPU tensor cores";
inline auto matmulPrecisionOptionValues() {
  return llvm::cl::values(
      clEnumValN(MatmulPrecision::Split, "split",
                 "each f32 element as two bf16, three MMAs: results within "
                 "f32 tolerances (default)"),
      clEnumValN(MatmulPrecision::Input, "input",
                 "the operands of a 16-bit op's matmuls in its input type, "
                 "one MMA: results with the accuracy of 16-bit operands"));
}

struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  /// `reference`: every op token-serial, but those with no such form on
  /// GPUs (conv1d of run-time width).
  PassOptions::Option<RecurLowering> lowering{
      *this, "lowering", llvm::cl::desc(kLoweringDescription),
      llvm::cl::init(RecurLowering::Default), loweringOptionValues()};
  PassOptions::Option<std::string> gpuArch{
      *this, "gpu-arch", llvm::cl::desc(kGPUArchDescription),
      llvm::cl::init("sm_80")};
  PassOptions::Option<std::string> cudaPath{
      *this, "cuda-path", llvm::cl::desc(kCUDAPathDescription),
      llvm::cl::init("/usr/local/cuda")};
  PassOptions::Option<int64_t> threadsPerBlock{
      *this, "threads-per-block", llvm::cl::desc(kThreadsPerBlockDescription),
      llvm::cl::init(128)};
  PassOptions::Option<int64_t> sharedMemoryBytes{
      *this, "shared-memory-bytes",
      llvm::cl::desc(kSharedMemoryBytesDescription),
      llvm::cl::init(kVulkanSharedMemoryBytes)};
  PassOptions::Option<int64_t> gpuBlocks{
      *this, "gpu-blocks", llvm::cl::desc(kGPUBlocksDescription),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> chunkSize{
      *this, "chunk-size", llvm::cl::desc(kGPUChunkSizeDescription),
      llvm::cl::init(kDefaultGPUChunkSize)};
  PassOptions::Option<int64_t> serialBelow{
      *this, "serial-below", llvm::cl::desc(kSerialBelowDescription),
      llvm::cl::init(kDefaultSerialBelow)};
  PassOptions::Option<LinearAttentionForm> linearAttentionForm{
      *this, "linear-attention-form",
      llvm::cl::desc(kGPULinearAttentionFormDescription),
      llvm::cl::init(LinearAttentionForm::Auto),
      linearAttentionFormOptionValues()};
  PassOptions::Option<MatmulPrecision> matmulPrecision{
      *this, "matmul-precision", llvm::cl::desc(kMatmulPrecisionDescription),
      llvm::cl::init(MatmulPrecision::Split), matmulPrecisionOptionValues()};
};

/// The common stage of the GPU targets: the C interface and its checks,
/// the GPU policy, recur ops tiled into blocks and in each block into
/// chunked tile ops or threads that walk the tokens,
/// bufferization, every loop nest over buffers as a kernel (gpu.module)
/// launched from the host (gpu.launch_func). `mmaStaging`: the tail
/// stages the warp-wide MMAs in shared memory (vulkan's emulation), which
/// the tiles' budget leaves room for.
void buildGPUKernelsPipeline(OpPassManager &pm,
                             const GPUPipelineOptions &options,
                             bool mmaStaging);
/// The vulkan target: the common stage, SPIR-V kernels embedded in the
/// host code, launches through recur's Vulkan runtime, all in the LLVM
/// dialect with C entry points.
void buildVulkanPipeline(OpPassManager &pm, const GPUPipelineOptions &options);
/// The kernels of the cuda target: the common stage, then NVVM kernels
/// compiled to PTX for `gpu-arch` (a gpu.binary of `format=isa`).
void buildCUDAKernelsPipeline(OpPassManager &pm,
                              const GPUPipelineOptions &options);
/// The cuda target: the common stage, NVVM kernels in a fatbin (SASS for
/// `gpu-arch`, PTX for newer GPUs) embedded in host code that launches
/// them through recur's CUDA runtime on the caller's stream, all in the
/// LLVM dialect with C entry points (a trailing stream argument).
void buildCUDAPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

/// Registers --recur-vulkan-pipeline, --recur-cuda-pipeline and
/// --recur-cuda-kernels-pipeline.
void registerGPUPipelines();

} // namespace recur
} // namespace mlir

#endif // RECUR_PIPELINES_PIPELINES_H
