//===- MapToLaunches.cpp - Parallel loops as GPU launches -----------------===//
//
// After bufferization, every loop nest that touches buffers becomes a
// gpu.launch:
//
// - an scf.forall mapped to `#gpu.block` (from --recur-gpu-tile), or not
//   mapped at all (chunked attention's own forall): its iterations,
//   linearized, are the blocks, walked in a grid-stride loop
//   (any count fits a grid of at most kMaxGridSize blocks). Inside, its
//   thread loops (foralls mapped to `#gpu.thread`, and the parallel loops
//   of a chunked form's tile ops), where they sit directly in the block or
//   in the scf.for / scf.if / scf.while around them (a chunk loop), become
//   block-stride loops over their linearized iterations, between barriers.
//   The code around them runs on every thread alike: it computes values;
//   an op there that writes memory runs on the first thread, between
//   barriers; the block's static temporaries (chunk tiles) are allocated
//   once per launch and marked for shared memory. A block where such a
//   write has results every thread needs runs on its first thread whole,
//   its thread loops in order;
// - an scf.parallel on the host (the description's linalg ops and copies,
//   through convert-linalg-to-parallel-loops): its iterations, linearized,
//   are spread over blocks and threads in a grid-stride loop.
//
// Parallel loops inside a launch that are not mapped run in order, in the
// thread. What is left on the host that reads or writes buffers without
// producing values (the token-serial loops of an op with a static size of
// 0) runs on one GPU thread; anything else that reads or writes a buffer on
// the host (a value the host needs) is a located error: the contract
// between the common stage and the GPU tails.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURGPUMAPTOLAUNCHES
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The most blocks a launch asks for along x: every device takes 65535.
static constexpr int64_t kMaxGridSize = 65535;

namespace {
/// A loop's iteration space: lower bounds, steps and trip counts.
struct LoopSpace {
  SmallVector<Value> lowerBounds, steps, counts;
  Value total;
};
} // namespace

static LoopSpace loopSpace(ImplicitLocOpBuilder &b, ValueRange lowerBounds,
                           ValueRange upperBounds, ValueRange steps) {
  LoopSpace space;
  space.total = arith::ConstantIndexOp::create(b, 1);
  for (auto [lower, upper, step] :
       llvm::zip_equal(lowerBounds, upperBounds, steps)) {
    Value extent = arith::SubIOp::create(b, upper, lower);
    Value count = arith::CeilDivSIOp::create(b, extent, step);
    Value zero = arith::ConstantIndexOp::create(b, 0);
    count = arith::MaxSIOp::create(b, count, zero);
    space.lowerBounds.push_back(lower);
    space.steps.push_back(step);
    space.counts.push_back(count);
    space.total = arith::MulIOp::create(b, space.total, count);
  }
  return space;
}

/// The iteration space of a parallel loop (scf.forall or scf.parallel).
static LoopSpace loopSpaceOf(ImplicitLocOpBuilder &b,
                             LoopLikeOpInterface loop) {
  auto values = [&](std::optional<SmallVector<OpFoldResult>> bounds) {
    return getValueOrCreateConstantIndexOp(b, b.getLoc(), *bounds);
  };
  return loopSpace(b, values(loop.getLoopLowerBounds()),
                   values(loop.getLoopUpperBounds()),
                   values(loop.getLoopSteps()));
}

/// The induction variables of linear iteration `linear` of `space`.
static SmallVector<Value> inductionVars(ImplicitLocOpBuilder &b,
                                        const LoopSpace &space, Value linear) {
  SmallVector<Value> ivs;
  if (space.counts.size() == 1) {
    ivs.push_back(linear);
  } else {
    auto split = affine::AffineDelinearizeIndexOp::create(
        b, linear, space.counts, /*hasOuterBound=*/true);
    ivs.append(split.getResults().begin(), split.getResults().end());
  }
  for (auto [iv, lower, step] :
       llvm::zip_equal(ivs, space.lowerBounds, space.steps))
    iv = arith::AddIOp::create(b, lower, arith::MulIOp::create(b, iv, step));
  return ivs;
}

/// Moves the ops of `body` (but its terminator) to `b`'s insertion point,
/// with `ivs` for its arguments.
static void inlineBody(RewriterBase &rewriter, Block *body, ValueRange ivs,
                       OpBuilder &b) {
  rewriter.eraseOp(body->getTerminator());
  Block *target = b.getInsertionBlock();
  rewriter.inlineBlockBefore(body, target, b.getInsertionPoint(), ivs);
}

/// `for linear = start to total step stride { body(ivs(linear)) }` at `b`.
static scf::ForOp strideLoop(RewriterBase &rewriter, ImplicitLocOpBuilder &b,
                              const LoopSpace &space, Value start,
                              Value stride, Block *body) {
  auto loop = scf::ForOp::create(b, start, space.total, stride);
  ImplicitLocOpBuilder inner(b.getLoc(), loop.getBody(),
                             loop.getBody()->begin());
  SmallVector<Value> ivs = inductionVars(inner, space, loop.getInductionVar());
  inlineBody(rewriter, body, ivs, inner);
  return loop;
}

static bool isMapped(scf::ForallOp forall) {
  std::optional<ArrayAttr> mapping = forall.getMapping();
  return mapping && !mapping->empty();
}

template <typename MappingAttr>
static bool hasMapping(scf::ForallOp forall) {
  return isMapped(forall) && isa<MappingAttr>((*forall.getMapping())[0]);
}

/// Parallel loops inside a launch that are not distributed (unmapped, or
/// thread loops of a block that runs on one thread) run in order in their
/// thread.
static LogicalResult sequentializeNested(RewriterBase &rewriter,
                                         gpu::LaunchOp launch) {
  SmallVector<Operation *> loops;
  launch.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<scf::ParallelOp, scf::ForallOp>(op))
      loops.push_back(op);
  });
  for (Operation *op : loops) {
    rewriter.setInsertionPoint(op);
    ImplicitLocOpBuilder b(op->getLoc(), rewriter);
    auto forall = dyn_cast<scf::ForallOp>(op);
    if (forall && hasMapping<gpu::GPUBlockMappingAttr>(forall))
      return forall.emitOpError("left inside a GPU kernel");
    if (op->getNumResults() != 0)
      return op->emitOpError("with results inside a GPU kernel");
    strideLoop(rewriter, b, loopSpaceOf(b, cast<LoopLikeOpInterface>(op)),
               arith::ConstantIndexOp::create(b, 0),
               arith::ConstantIndexOp::create(b, 1), &op->getRegion(0).front());
    rewriter.eraseOp(op);
  }
  return success();
}

/// A launch of `grid` x 1 x 1 blocks of `threads` x 1 x 1 threads at `b`.
static gpu::LaunchOp createLaunch(ImplicitLocOpBuilder &b, Value grid,
                                  int64_t threads) {
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value blockSize = arith::ConstantIndexOp::create(b, threads);
  auto launch =
      gpu::LaunchOp::create(b, grid, one, one, blockSize, one, one);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

/// min(max(count, 1), kMaxGridSize).
static Value gridSize(ImplicitLocOpBuilder &b, Value count) {
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value most = arith::ConstantIndexOp::create(b, kMaxGridSize);
  return arith::MinSIOp::create(b, arith::MaxSIOp::create(b, count, one),
                                most);
}

/// The first op in `root` (itself included) that reads (with `reads`) or
/// writes a buffer, or null. An op without declared effects counts when it
/// takes or returns a buffer; its nested ops are looked at.
static Operation *findBufferAccess(Operation *root, bool reads) {
  Operation *found = nullptr;
  root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<gpu::LaunchOp>(op))
      return WalkResult::skip();
    // A call of a function of the module with a body (a whole model's
    // layer) is host work: the callee's own accesses are checked with it.
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = dyn_cast_or_null<func::FuncOp>(
          SymbolTable::lookupNearestSymbolFrom(call, call.getCalleeAttr()));
      if (callee && !callee.isExternal())
        return WalkResult::advance();
    }
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      // Unknown effects (a call) count where a buffer goes in or out.
      auto isBuffer = [](Type type) { return isa<BaseMemRefType>(type); };
      if (op->getNumRegions() == 0 &&
          (llvm::any_of(op->getOperandTypes(), isBuffer) ||
           llvm::any_of(op->getResultTypes(), isBuffer))) {
        found = op;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    }
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      bool access = isa<MemoryEffects::Write>(effect.getEffect()) ||
                    (reads && isa<MemoryEffects::Read>(effect.getEffect()));
      Value value = effect.getValue();
      // The host's own stack memory (the run-time checks' arrays) is no
      // device buffer.
      if (value && value.getDefiningOp<memref::AllocaOp>())
        continue;
      if (access && (!value || isa<BaseMemRefType>(value.getType()))) {
        found = op;
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return found;
}

static bool writesMemory(Operation *op) {
  return findBufferAccess(op, /*reads=*/false) != nullptr;
}

static LogicalResult sequentializeNested(RewriterBase &rewriter,
                                         gpu::LaunchOp launch);

/// A launch of one block of one thread around `op`, which has no results:
/// what is left on the host of the lowered recur ops (the token-serial
/// loops of an op with a static size of 0) and of the description.
static LogicalResult launchOnOneThread(RewriterBase &rewriter, Operation *op) {
  ImplicitLocOpBuilder b(op->getLoc(), rewriter);
  b.setInsertionPoint(op);
  gpu::LaunchOp launch =
      createLaunch(b, arith::ConstantIndexOp::create(b, 1), 1);
  rewriter.moveOpBefore(op, launch.getBody().front().getTerminator());
  return sequentializeNested(rewriter, launch);
}

/// Puts every op of `block` that reads or writes buffers, has no results
/// and holds no host work (a launch, an allocation of run-time size, a
/// free of a buffer from outside it) into a launch of its own; descends
/// into the ops that hold host work.
static LogicalResult launchLeftovers(RewriterBase &rewriter, Block &block) {
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (isa<gpu::LaunchOp>(op) || !findBufferAccess(&op, /*reads=*/true))
      continue;
    // Launches, allocations of run-time size and frees of buffers from
    // outside stay on the host; a small static temporary goes into the
    // kernel with the loops that use it (--recur-gpu-flatten-buffers).
    bool holdsHostWork =
        op.walk([&](Operation *nested) {
            auto alloc = dyn_cast<memref::AllocOp>(nested);
            auto dealloc = dyn_cast<memref::DeallocOp>(nested);
            bool host =
                isa<gpu::LaunchOp>(nested) ||
                (alloc && !alloc.getType().hasStaticShape()) ||
                (dealloc && !op.isAncestor(dealloc.getMemref()
                                               .getParentBlock()
                                               ->getParentOp()));
            return host ? WalkResult::interrupt() : WalkResult::advance();
          }).wasInterrupted();
    if (holdsHostWork) {
      for (Region &region : op.getRegions())
        for (Block &nested : region)
          if (failed(launchLeftovers(rewriter, nested)))
            return failure();
      continue;
    }
    if (op.getNumResults() == 0 && !op.hasTrait<OpTrait::IsTerminator>() &&
        failed(launchOnOneThread(rewriter, &op)))
      return failure();
  }
  return success();
}

/// The thread count of a block: enough for the largest static thread loop,
/// a warp at least, `threadsPerBlock` at most (and for dynamic counts).
static int64_t blockThreads(ArrayRef<Operation *> threadLoops,
                            int64_t threadsPerBlock) {
  int64_t largest = 1;
  for (Operation *op : threadLoops) {
    auto loop = cast<LoopLikeOpInterface>(op);
    std::optional<SmallVector<OpFoldResult>> lower =
        loop.getLoopLowerBounds();
    std::optional<SmallVector<OpFoldResult>> upper =
        loop.getLoopUpperBounds();
    std::optional<SmallVector<OpFoldResult>> steps = loop.getLoopSteps();
    std::optional<SmallVector<int64_t>> bounds =
        upper ? getConstantIntValues(*upper) : std::nullopt;
    if (!bounds || !llvm::all_of(*lower, isZeroInteger) ||
        !llvm::all_of(*steps, isOneInteger))
      return threadsPerBlock;
    largest = std::max(largest, llvm::product_of(*bounds));
  }
  return std::min<int64_t>(threadsPerBlock, llvm::alignTo(largest, 32));
}

static bool isThreadLoop(Operation *op) {
  auto forall = dyn_cast<scf::ForallOp>(op);
  return (forall && hasMapping<gpu::GPUThreadMappingAttr>(forall)) ||
         isa<scf::ParallelOp>(op);
}

namespace {
/// How the threads of a block share its work.
struct BlockPlan {
  /// Parallel loops (thread foralls; a chunked form's tile ops) whose
  /// iterations the threads share: block-stride loops.
  SmallVector<Operation *> threadLoops;
  /// Ops that write memory outside the thread loops: one thread runs each.
  SmallVector<Operation *> singleOps;
};
} // namespace

/// Whether `alloc` (in a block, outside its thread loops) can be the
/// block's temporary, allocated once per launch: a static, nonempty buffer
/// that no loop or branch yields (through views), so that it lives within
/// one iteration of the loops around it.
static bool isBlockTemporary(memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  if (!type.hasStaticShape() || type.getNumElements() == 0 ||
      alloc->getNumOperands() != 0)
    return false;
  SmallVector<Value> views = {alloc.getResult()};
  while (!views.empty()) {
    Value view = views.pop_back_val();
    for (Operation *user : view.getUsers()) {
      if (user->hasTrait<OpTrait::IsTerminator>())
        return false;
      if (isa<ViewLikeOpInterface>(user))
        views.append(user->result_begin(), user->result_end());
    }
  }
  return true;
}

/// The static temporaries of a block's body outside its thread loops.
static SmallVector<memref::AllocOp> blockTemporaries(Block &body) {
  SmallVector<memref::AllocOp> temporaries;
  for (Operation &op : body)
    op.walk<WalkOrder::PreOrder>([&](Operation *nested) {
      if (isThreadLoop(nested))
        return WalkResult::skip();
      if (auto alloc = dyn_cast<memref::AllocOp>(nested);
          alloc && isBlockTemporary(alloc))
        temporaries.push_back(alloc);
      return WalkResult::advance();
    });
  return temporaries;
}

/// Plans the ops of `block`, the body of a block forall or of the control
/// flow around its thread loops (which every thread runs alike: its
/// conditions and bounds are computed from values every thread has; an
/// unmapped forall there runs its iterations in order). Fails when an op
/// that writes memory outside the thread loops has results every thread
/// needs, or when thread loops sit in anything but scf.for, scf.if,
/// scf.while and an unmapped scf.forall.
static LogicalResult planBlock(Block &block, BlockPlan &plan) {
  for (Operation &op : block.without_terminator()) {
    if (isThreadLoop(&op)) {
      plan.threadLoops.push_back(&op);
      continue;
    }
    bool holdsThreadLoops =
        op.walk([](Operation *nested) {
            return isThreadLoop(nested) ? WalkResult::interrupt()
                                        : WalkResult::advance();
          }).wasInterrupted();
    if (holdsThreadLoops) {
      auto forall = dyn_cast<scf::ForallOp>(op);
      if (!isa<scf::ForOp, scf::IfOp, scf::WhileOp>(op) &&
          !(forall && !isMapped(forall)))
        return failure();
      for (Region &region : op.getRegions())
        for (Block &nested : region)
          if (failed(planBlock(nested, plan)))
            return failure();
      continue;
    }
    if (!writesMemory(&op))
      continue;
    if (op.getNumResults() != 0)
      return failure();
    plan.singleOps.push_back(&op);
  }
  return success();
}

/// Surrounds `op` with barriers: what it writes, other threads read after
/// it, and what other threads read before it, it must not overwrite early.
/// (The canonicalizer folds a barrier that follows another.)
static void barriersAround(ImplicitLocOpBuilder &b, Operation *op) {
  b.setInsertionPoint(op);
  gpu::BarrierOp::create(b);
  b.setInsertionPointAfter(op);
  gpu::BarrierOp::create(b);
}

namespace {
/// The buffers an op of a kernel reads and writes, by their allocation in
/// the kernel (null: a buffer from outside it, which may alias any other
/// from outside), or unknown.
struct Accesses {
  SmallPtrSet<Operation *, 4> reads, writes;
  bool unknown = false;
};
} // namespace

/// The allocation in `launch` that `value` views; null for a buffer from
/// outside the launch; failure when it cannot tell (a buffer a loop or a
/// branch yields).
static FailureOr<Operation *> rootAllocation(gpu::LaunchOp launch,
                                             Value value) {
  while (true) {
    if (!launch->isAncestor(value.getParentBlock()->getParentOp()))
      return static_cast<Operation *>(nullptr);
    Operation *def = value.getDefiningOp();
    if (def && isa<memref::AllocOp, memref::AllocaOp>(def))
      return def;
    auto view = dyn_cast_or_null<ViewLikeOpInterface>(def);
    if (!view)
      return failure();
    value = view.getViewSource();
  }
}

static Accesses accessesOf(gpu::LaunchOp launch, Operation *root) {
  Accesses accesses;
  root->walk([&](Operation *op) {
    // A warp-wide MMA only computes from its operands (the vulkan tail's
    // emulation stages them in memory of its own, between its own
    // barriers).
    if (auto call = dyn_cast<func::CallOp>(op);
        call && isMMAFunctionName(call.getCallee()))
      return;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      if (!op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        accesses.unknown = true;
      return;
    }
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      bool read = isa<MemoryEffects::Read>(effect.getEffect());
      bool write = isa<MemoryEffects::Write>(effect.getEffect());
      if (!read && !write)
        continue;
      FailureOr<Operation *> buffer = failure();
      if (Value value = effect.getValue())
        buffer = rootAllocation(launch, value);
      if (failed(buffer)) {
        accesses.unknown = true;
        continue;
      }
      (write ? accesses.writes : accesses.reads).insert(*buffer);
    }
  });
  return accesses;
}

/// Whether `later` may touch what `earlier` wrote, or write what it read.
static bool mayConflict(const Accesses &earlier, const Accesses &later) {
  if (earlier.unknown || later.unknown)
    return true;
  auto meet = [](const SmallPtrSet<Operation *, 4> &a,
                 const SmallPtrSet<Operation *, 4> &b) {
    return llvm::any_of(a, [&](Operation *root) { return b.contains(root); });
  };
  return meet(earlier.writes, later.reads) ||
         meet(earlier.writes, later.writes) ||
         meet(earlier.reads, later.writes);
}

/// Erases the barriers between distributed ops (`distributed`, in
/// `launch`) of a block that follow each other with nothing but pure ops
/// between, where the later op touches no buffer written by the ops since
/// the last barrier that stays, and writes no buffer they read: no thread
/// reads what another writes across the barriers erased.
static void
eraseNeedlessBarriers(RewriterBase &rewriter, gpu::LaunchOp launch,
                      const SmallPtrSetImpl<Operation *> &distributed) {
  SetVector<Block *> blocks;
  for (Operation *op : distributed)
    blocks.insert(op->getBlock());
  for (Block *block : blocks) {
    // What the ops since the last barrier kept touch, while only pure ops
    // and barriers separate them.
    std::optional<Accesses> pending;
    SmallVector<Operation *> barriers;
    for (Operation &op : llvm::make_early_inc_range(*block)) {
      if (isa<gpu::BarrierOp>(op)) {
        barriers.push_back(&op);
        continue;
      }
      if (!distributed.contains(&op)) {
        if (!isMemoryEffectFree(&op)) {
          pending.reset();
          barriers.clear();
        }
        continue;
      }
      Accesses accesses = accessesOf(launch, &op);
      if (pending && !mayConflict(*pending, accesses)) {
        for (Operation *barrier : barriers)
          rewriter.eraseOp(barrier);
        pending->reads.insert(accesses.reads.begin(), accesses.reads.end());
        pending->writes.insert(accesses.writes.begin(),
                               accesses.writes.end());
      } else {
        pending = std::move(accesses);
      }
      barriers.clear();
    }
  }
}


static LogicalResult convertBlockForall(RewriterBase &rewriter,
                                        scf::ForallOp forall,
                                        int64_t threadsPerBlock) {
  if (forall.getNumResults() != 0)
    return forall.emitOpError("on tensors reached the GPU tail");
  // A block whose work cannot be shared (an op that writes memory and has
  // results outside its thread loops) runs on one thread, its thread loops
  // in order.
  BlockPlan plan;
  bool shared = succeeded(planBlock(*forall.getBody(), plan));
  if (!shared) {
    plan = BlockPlan();
    // Warp-wide instructions need whole warps (--recur-gpu-mma-matmuls).
    WalkResult warpLanes = forall.walk([](scf::ParallelOp loop) {
      return loop->hasAttr(kWarpLanesAttr) ? WalkResult::interrupt()
                                           : WalkResult::advance();
    });
    if (warpLanes.wasInterrupted())
      return forall.emitOpError(
          "runs on one thread (a write outside its tile ops has results), "
          "which its warp-wide matmuls cannot");
  }
  // Static temporaries outside the thread loops (chunk tiles): the block's
  // shared memory, whether its threads share the work or one does it.
  SmallVector<memref::AllocOp> temporaries =
      blockTemporaries(*forall.getBody());
  ImplicitLocOpBuilder b(forall.getLoc(), rewriter);
  b.setInsertionPoint(forall);
  LoopSpace blocks = loopSpaceOf(b, forall);
  int64_t threads = blockThreads(plan.threadLoops, threadsPerBlock);
  gpu::LaunchOp launch =
      createLaunch(b, gridSize(b, blocks.total), threads);
  // The block's temporaries are allocated once per launch, in the block's
  // shared memory: every block iteration of the grid-stride loop rewrites
  // them before reading them.
  for (memref::AllocOp alloc : temporaries) {
    rewriter.moveOpBefore(alloc, b.getInsertionBlock(), b.getInsertionPoint());
    alloc->setAttr(kWorkgroupAttr, rewriter.getUnitAttr());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        rewriter.eraseOp(user);
  }
  Value threadId = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockId = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value gridDim = gpu::GridDimOp::create(b, gpu::Dimension::x);
  Value zero = arith::ConstantIndexOp::create(b, 0);
  Value first =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, threadId, zero);
  Block *body = forall.getBody();
  if (!shared) {
    // One thread runs the block's work.
    auto single = scf::IfOp::create(b, first, /*withElseRegion=*/false);
    b.setInsertionPointToStart(single.thenBlock());
  }
  strideLoop(rewriter, b, blocks, blockId, gridDim, body);
  rewriter.eraseOp(forall);

  // Each thread loop: a block-stride loop between barriers.
  SmallPtrSet<Operation *, 16> distributed;
  for (Operation *op : plan.threadLoops) {
    if (op->getNumResults() != 0)
      return op->emitOpError("with results reached the GPU tail");
    b.setInsertionPoint(op);
    LoopSpace space = loopSpaceOf(b, cast<LoopLikeOpInterface>(op));
    Value blockDim = gpu::BlockDimOp::create(b, gpu::Dimension::x);
    // Whole warps for warp-wide instructions: every thread takes the same
    // number of iterations (the loop's body does nothing past its end).
    if (op->hasAttr(kWarpLanesAttr))
      space.total = arith::MulIOp::create(
          b, arith::CeilDivUIOp::create(b, space.total, blockDim), blockDim);
    scf::ForOp loop = strideLoop(rewriter, b, space, threadId, blockDim,
                                 &op->getRegion(0).front());
    rewriter.eraseOp(op);
    barriersAround(b, loop);
    distributed.insert(loop);
  }
  // Each other write: the first thread, between barriers.
  for (Operation *op : plan.singleOps) {
    b.setInsertionPoint(op);
    auto single = scf::IfOp::create(b, first, /*withElseRegion=*/false);
    rewriter.moveOpBefore(op, single.thenBlock()->getTerminator());
    barriersAround(b, single);
    distributed.insert(single);
  }
  eraseNeedlessBarriers(rewriter, launch, distributed);
  return sequentializeNested(rewriter, launch);
}

static LogicalResult convertHostParallel(RewriterBase &rewriter,
                                         scf::ParallelOp parallel,
                                         int64_t threadsPerBlock) {
  if (parallel.getNumResults() != 0)
    return parallel.emitOpError("with reductions reached the GPU tail");
  ImplicitLocOpBuilder b(parallel.getLoc(), rewriter);
  b.setInsertionPoint(parallel);
  LoopSpace space = loopSpaceOf(b, parallel);
  Value blockSize = arith::ConstantIndexOp::create(b, threadsPerBlock);
  Value blocks = arith::CeilDivSIOp::create(b, space.total, blockSize);
  gpu::LaunchOp launch = createLaunch(b, gridSize(b, blocks), threadsPerBlock);
  Value blockId = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value threadId = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockDim = gpu::BlockDimOp::create(b, gpu::Dimension::x);
  Value gridDim = gpu::GridDimOp::create(b, gpu::Dimension::x);
  Value start = arith::AddIOp::create(
      b, arith::MulIOp::create(b, blockId, blockDim), threadId);
  Value stride = arith::MulIOp::create(b, gridDim, blockDim);
  strideLoop(rewriter, b, space, start, stride, parallel.getBody());
  rewriter.eraseOp(parallel);
  return sequentializeNested(rewriter, launch);
}

namespace {
struct RecurGPUMapToLaunches
    : recur::impl::RecurGPUMapToLaunchesBase<RecurGPUMapToLaunches> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (threadsPerBlock < 1 || threadsPerBlock > 1024) {
      module.emitError() << "--recur-gpu-map-to-launches: threads-per-block "
                            "must be in [1, 1024], got "
                         << static_cast<int64_t>(threadsPerBlock);
      return signalPassFailure();
    }
    // The outermost parallel loops on the host, in order.
    SmallVector<Operation *> roots;
    // A parallel loop inside a sequential loop on the host goes into the
    // kernel of that loop (launchLeftovers), in order.
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp, gpu::GPUModuleOp, scf::ForOp, scf::WhileOp>(op))
        return WalkResult::skip();
      if (isa<scf::ForallOp, scf::ParallelOp>(op)) {
        roots.push_back(op);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    IRRewriter rewriter(&getContext());
    for (Operation *root : roots) {
      rewriter.setInsertionPoint(root);
      LogicalResult converted = failure();
      if (auto forall = dyn_cast<scf::ForallOp>(root)) {
        // An unmapped forall on the host (a chunk pattern's own, over
        // independent tiles) is blocks too.
        if (isMapped(forall) && !hasMapping<gpu::GPUBlockMappingAttr>(forall)) {
          forall.emitOpError("on the host is mapped to GPU threads, not "
                             "blocks");
          return signalPassFailure();
        }
        converted = convertBlockForall(rewriter, forall, threadsPerBlock);
      } else {
        converted = convertHostParallel(
            rewriter, cast<scf::ParallelOp>(root), threadsPerBlock);
      }
      if (failed(converted))
        return signalPassFailure();
    }
    // What else reads or writes buffers runs on one GPU thread.
    for (auto function : module.getOps<FunctionOpInterface>())
      for (Block &block : function.getFunctionBody())
        if (failed(launchLeftovers(rewriter, block)))
          return signalPassFailure();
    // The contract with the GPU tails: the host only allocates, frees,
    // views and launches.
    for (auto function : module.getOps<FunctionOpInterface>()) {
      if (Operation *access = findBufferAccess(function, /*reads=*/true)) {
        access->emitOpError("reads or writes a buffer outside a GPU kernel");
        return signalPassFailure();
      }
    }
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(&getContext()));
  }
};
} // namespace
