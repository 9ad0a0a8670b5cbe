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
    by 1 along its batch (`B`) and head (`H`) dimensions, and the scans in
    blocks of channels (the largest divisor of a static size from 16 to
    512 for the last feature of `recur.scan`, to 256 for `D` of a
    single-group `recur.selective_scan`), leaving the other independent dimensions (value
    columns, other features) whole. Each tile is the same op on one
    sequence of one head (or one block of channels), which the chunked
    lowering then turns into a loop over chunks; the forall becomes CPU
    threads or GPU blocks, and a block's chunk tiles stay in cache.
  }];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // RECUR_DIALECT_RECUR_TRANSFORMS_PASSES_TD
