//===- Passes.td - The CPU target's passes -----------------*- tablegen -*-===//

#ifndef RECUR_CODEGEN_CPU_PASSES_TD
#define RECUR_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurCPUConfigure : Pass<"recur-cpu-configure"> {
  let summary = "The CPU policy of the chunked forms, recorded on each op";
  let description = [{
    Writes `recur.chunk_config` (ChunkConfig.h) on every recur op that has
    none: the chunk size, the state pass and serial-below from the options,
    and the form of linear attention over serial-below tokens or more. With
    `linear-attention-form=auto` (the default) the form is the one the
    shape favours on CPUs (measured, docs/chunked-forms.md "Choosing a
    form"): the chunked form from a 128 x 128 state on, unless the gate is
    per key (an exp per query, key and channel in each chunk), else the
    token-serial steps on chunk tiles. An op that carries its own
    configuration (a description may set one to override the policy) keeps
    it, checked. `--recur-chunk` then builds what the configurations say.
  }];
  let options = [
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"64",
           "Tokens per chunk (1 to 1024)">,
    Option<"statePass", "state-pass", "::mlir::recur::StatePass",
           /*default=*/"::mlir::recur::StatePass::Sequential",
           "How the state crosses chunks", [{::llvm::cl::values(
             clEnumValN(::mlir::recur::StatePass::Sequential, "sequential",
                        "one loop carries the state from chunk to chunk"),
             clEnumValN(::mlir::recur::StatePass::Parallel, "parallel",
                        "chunk summaries in parallel, a cheap combine, "
                        "then chunk outputs in parallel (scans and "
                        "non-delta linear attention)"))}]>,
    Option<"serialBelow", "serial-below", "int64_t", /*default=*/"16",
           "Linear attention over fewer tokens than this (decode steps) "
           "takes the token-serial form, and attention query tiles of one "
           "position; chosen at run time when T is dynamic; 0 turns both "
           "off">,
    Option<"linearAttentionForm", "linear-attention-form",
           "::mlir::recur::LinearAttentionForm",
           /*default=*/"::mlir::recur::LinearAttentionForm::Auto",
           "The form of linear attention over serial-below tokens or more",
           [{::llvm::cl::values(
             clEnumValN(::mlir::recur::LinearAttentionForm::Auto, "auto",
                        "the form the shape favours (docs/chunked-forms.md)"),
             clEnumValN(::mlir::recur::LinearAttentionForm::Chunked,
                        "chunked", "matmuls on chunk tiles"),
             clEnumValN(::mlir::recur::LinearAttentionForm::Recurrent,
                        "recurrent", "the token-serial form, on chunk "
                        "tiles"))}]>,
  ];
}

#endif // RECUR_CODEGEN_CPU_PASSES_TD
