//===- ParallelLoops.cpp - Which scf.forall loops run on threads ----------===//

#include "recur/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURPARALLELLOOPS
#include "recur/Codegen/CPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The OpenMP runtime's thread count for the next parallel region.
static constexpr llvm::StringLiteral kMaxThreads = "omp_get_max_threads";

/// The declaration of omp_get_max_threads in `module` (added if absent).
static func::FuncOp declareMaxThreads(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(kMaxThreads))
    return existing;
  OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
  auto type = builder.getFunctionType({}, {builder.getI32Type()});
  auto declaration =
      func::FuncOp::create(builder, module.getLoc(), kMaxThreads, type);
  declaration.setPrivate();
  return declaration;
}

/// Work below this many element operations (about ten microseconds on one
/// core) does not pay for a parallel region, whose entry and exit cost
/// microseconds.
static constexpr int64_t kMinParallelWork = int64_t(1) << 18;

/// Saturating product of work estimates.
static int64_t times(int64_t a, int64_t b) {
  return a > kMinParallelWork || b > kMinParallelWork
             ? kMinParallelWork + 1
             : std::min(a * b, kMinParallelWork + 1);
}

/// The iterations of a loop with these bounds, or more than
/// kMinParallelWork where a bound is not constant.
static int64_t tripCount(OpFoldResult lower, OpFoldResult upper,
                         OpFoldResult step) {
  std::optional<int64_t> l = getConstantIntValue(lower),
                         u = getConstantIntValue(upper),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return kMinParallelWork + 1;
  return std::max<int64_t>(0, llvm::divideCeil(*u - *l, *s));
}

/// A static estimate of the element operations of one iteration of
/// `loop`, saturating just above kMinParallelWork: every op in its body
/// counts the elements of its widest vector (one for scalars), times the
/// iterations of the loops around it; a run-time size counts as much.
static int64_t workPerIteration(scf::ForallOp loop) {
  int64_t total = 0;
  loop.getBody()->walk([&](Operation *op) {
    if (op->getNumRegions() != 0)
      return;
    int64_t work = 1;
    for (TypeRange types : {TypeRange(op->getOperandTypes()),
                            TypeRange(op->getResultTypes())})
      for (Type type : types)
        if (auto vector = dyn_cast<VectorType>(type))
          work = std::max(work, vector.getNumElements());
    for (Operation *parent = op->getParentOp(); parent != loop;
         parent = parent->getParentOp())
      if (auto inner = dyn_cast<scf::ForOp>(parent))
        work = times(work, tripCount(inner.getLowerBound(),
                                     inner.getUpperBound(), inner.getStep()));
      else if (isa<LoopLikeOpInterface>(parent))
        work = times(work, kMinParallelWork + 1); // an unknown loop
    total = std::min(total + work, kMinParallelWork + 1);
  });
  return total;
}

/// The iterations of `loop` if they are constant.
static std::optional<int64_t> staticIterations(scf::ForallOp loop) {
  int64_t total = 1;
  for (auto [lower, upper, step] :
       llvm::zip(loop.getMixedLowerBound(), loop.getMixedUpperBound(),
                 loop.getMixedStep())) {
    int64_t count = tripCount(lower, upper, step);
    if (count > kMinParallelWork)
      return std::nullopt;
    total = times(total, count);
  }
  return total;
}

/// Whether `loop` should run on threads in this call: more than one thread
/// to run on, more than one iteration to share, and enough work (its
/// iterations times `perIteration`) to pay for the parallel region. (A
/// parallel region costs microseconds even on one thread: the runtime
/// enters it and schedules the work-sharing loop.)
static Value threadsWorthIt(RewriterBase &rewriter, scf::ForallOp loop,
                            func::FuncOp maxThreads, int64_t perIteration) {
  Location loc = loop.getLoc();
  Value threads =
      func::CallOp::create(rewriter, loc, maxThreads, ValueRange{})
          .getResult(0);
  Value one = arith::ConstantIntOp::create(rewriter, loc, 1, 32);
  Value many = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sgt,
                                     threads, one);
  Value iterations = arith::ConstantIndexOp::create(rewriter, loc, 1);
  for (auto [lower, upper, step] :
       llvm::zip(loop.getLowerBound(rewriter), loop.getUpperBound(rewriter),
                 loop.getStep(rewriter))) {
    Value span = arith::SubIOp::create(rewriter, loc, upper, lower);
    Value count = arith::CeilDivSIOp::create(rewriter, loc, span, step);
    iterations = arith::MulIOp::create(rewriter, loc, iterations, count);
  }
  // iterations > max(1, kMinParallelWork / perIteration).
  int64_t least = std::max<int64_t>(1, kMinParallelWork / perIteration);
  Value enough = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::sgt, iterations,
      arith::ConstantIndexOp::create(rewriter, loc, least));
  return arith::AndIOp::create(rewriter, loc, many, enough);
}

namespace {
struct RecurParallelLoops
    : recur::impl::RecurParallelLoopsBase<RecurParallelLoops> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<scf::ForallOp> loops;
    getOperation().walk([&](scf::ForallOp loop) { loops.push_back(loop); });
    func::FuncOp maxThreads;
    // Innermost first, so that an outer loop sees its inner loops' form.
    for (scf::ForallOp loop : loops) {
      if (loop.getNumResults() != 0) {
        loop.emitError("recur-parallel-loops: cannot lower this scf.forall "
                       "(it has results; bufferize first)");
        return signalPassFailure();
      }
      auto contains = [&](auto opKind) {
        using OpTy = decltype(opKind);
        return loop.getBody()
            ->walk([](OpTy) { return WalkResult::interrupt(); })
            .wasInterrupted();
      };
      // One level of threads: a loop around parallel ones (the batch loop
      // around the heads of attention) runs sequentially, so that B = 1
      // still spreads the inner loop over the threads.
      // And only where the work may pay for the threads (known when the
      // iterations are, else checked at run time).
      int64_t perIteration = std::max<int64_t>(1, workPerIteration(loop));
      std::optional<int64_t> iterations = staticIterations(loop);
      bool parallel = threads && !contains(memref::AllocOp()) &&
                      !contains(scf::ParallelOp()) &&
                      (!iterations || *iterations > 1) &&
                      (!iterations ||
                       times(*iterations, perIteration) > kMinParallelWork);
      rewriter.setInsertionPoint(loop);
      if (!parallel) {
        (void)scf::forallToForLoop(rewriter, loop);
        continue;
      }
      // An iteration of run-time size (the time loop of a prefill) pays
      // for the threads by itself: no check, and the body is not compiled
      // twice.
      if (perIteration > kMinParallelWork) {
        (void)scf::forallToParallelLoop(rewriter, loop);
        continue;
      }
      // Both versions: on threads when that pays, else in order.
      if (!maxThreads)
        maxThreads = declareMaxThreads(getOperation());
      Value worthIt =
          threadsWorthIt(rewriter, loop, maxThreads, perIteration);
      auto choice = scf::IfOp::create(rewriter, loop.getLoc(), worthIt,
                                      /*withElseRegion=*/true);
      rewriter.setInsertionPoint(choice.elseBlock()->getTerminator());
      auto serial = cast<scf::ForallOp>(rewriter.clone(*loop));
      rewriter.moveOpBefore(loop, choice.thenBlock()->getTerminator());
      rewriter.setInsertionPoint(serial);
      (void)scf::forallToForLoop(rewriter, serial);
      rewriter.setInsertionPoint(loop);
      (void)scf::forallToParallelLoop(rewriter, loop);
    }
  }
};
} // namespace
