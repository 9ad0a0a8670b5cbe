//===- Passes.td - Transforms of recur ops -----------------*- tablegen -*-===//

#ifndef RECUR_DIALECT_RECUR_TRANSFORMS_PASSES_TD
#define RECUR_DIALECT_RECUR_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurTileBatchHeads : Pass<"recur-tile-batch-heads"> {
  let summary = "Tile recur ops by 1 over batch and heads (an scf.forall)";
  let description = [{
    Tiles every recurrent recur op (all but `recur.conv1d`, whose chunked
    form is a single linalg convolution) with upstream's
    TilingInterface-driven tiling (`scf::tileUsingSCF`, `scf.forall` loops)
    by 1 along its batch (`B`) and head (`H`) dimensions, leaving its other
    independent dimensions (value columns, features, channels) whole. Each
    tile is the same op on one sequence of one head, which the chunked
    lowering then turns into a loop over chunks; the forall becomes CPU
    threads or GPU blocks.
  }];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // RECUR_DIALECT_RECUR_TRANSFORMS_PASSES_TD
