//===- StackScopes.cpp - Per-iteration scopes for stack temporaries -------===//

#include "recur/Codegen/CPU/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURSTACKSCOPES
#include "recur/Codegen/CPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

static bool isLoop(Operation *op) {
  return isa<scf::ForOp, scf::ForallOp, scf::ParallelOp, scf::WhileOp>(op);
}

/// Whether `block` allocates on the stack outside nested loops and scopes.
static bool allocatesPerIteration(Block &block) {
  bool found = false;
  block.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isLoop(op) || isa<memref::AllocaScopeOp>(op))
      return WalkResult::skip();
    if (isa<memref::AllocaOp>(op)) {
      found = true;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

/// Saves the stack pointer at the start of `block` and restores it before
/// its terminator, so that the iteration's stack temporaries end with it.
static void scopeStack(RewriterBase &rewriter, Block &block) {
  Location loc = block.getParentOp()->getLoc();
  rewriter.setInsertionPointToStart(&block);
  Value saved = LLVM::StackSaveOp::create(
      rewriter, loc, LLVM::LLVMPointerType::get(rewriter.getContext()));
  rewriter.setInsertionPoint(block.getTerminator());
  LLVM::StackRestoreOp::create(rewriter, loc, saved);
}

/// Replaces `scope` by its body between a stacksave and a stackrestore
/// (what the scope means), so that no region is left for convert-scf-to-cf
/// to break into blocks.
static void inlineScope(RewriterBase &rewriter, memref::AllocaScopeOp scope) {
  Block *body = &scope.getBodyRegion().front();
  auto terminator = cast<memref::AllocaScopeReturnOp>(body->getTerminator());
  SmallVector<Value> results(terminator.getResults());
  rewriter.setInsertionPoint(scope);
  Value saved = LLVM::StackSaveOp::create(
      rewriter, scope.getLoc(),
      LLVM::LLVMPointerType::get(rewriter.getContext()));
  rewriter.eraseOp(terminator);
  rewriter.inlineBlockBefore(body, scope);
  LLVM::StackRestoreOp::create(rewriter, scope.getLoc(), saved);
  rewriter.replaceOp(scope, results);
}

namespace {
struct RecurStackScopes
    : recur::impl::RecurStackScopesBase<RecurStackScopes> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<Block *> bodies;
    getOperation().walk([&](Operation *op) {
      if (!isLoop(op))
        return;
      for (Region &region : op->getRegions())
        for (Block &block : region)
          if (allocatesPerIteration(block))
            bodies.push_back(&block);
    });
    for (Block *body : bodies)
      scopeStack(rewriter, *body);
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk(
        [&](memref::AllocaScopeOp scope) { scopes.push_back(scope); });
    for (memref::AllocaScopeOp scope : scopes)
      inlineScope(rewriter, scope);
  }
};
} // namespace
