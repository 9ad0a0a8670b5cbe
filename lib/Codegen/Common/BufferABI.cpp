//===- BufferABI.cpp - Caller-owned-buffer interface for public funcs -----===//
//
// See the pass description in Passes.td. The original function becomes the
// private `<name>.body`; the new public function converts memrefs to tensors,
// calls it, and materializes every result into its output buffer. Inlining
// and bufferization later remove the call and, where they can, the copies.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"
#include "recur/Emit/CInterface.h"
#include "recur/Emit/CNames.h"

#include "SymbolRenaming.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURBUFFERABI
#include "recur/Codegen/Common/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
/// Builds the CInterface of one function from its tensor signature.
class InterfaceBuilder {
public:
  explicit InterfaceBuilder(func::FuncOp func) : func(func) {}

  /// Adds the argument or result `index` of type `type` with attributes
  /// `attrs`; emits an error and fails on anything C cannot take.
  LogicalResult addBuffer(bool isOutput, unsigned index, Type type,
                          DictionaryAttr attrs) {
    std::string what =
        (isOutput ? "result " : "argument ") + std::to_string(index);
    auto tensorType = dyn_cast<RankedTensorType>(type);
    if (!tensorType)
      return func.emitError() << what << " of exported function @"
                              << func.getSymName() << " has type " << type
                              << "; exported functions take and return ranked "
                                 "tensors only";
    if (failed(getCTypeName(tensorType.getElementType())))
      return func.emitError() << what << " of @" << func.getSymName()
                              << " has element type "
                              << tensorType.getElementType()
                              << ", which has no C equivalent";

    CBuffer buffer;
    buffer.isOutput = isOutput;
    buffer.elementType = tensorType.getElementType();
    buffer.name = (isOutput ? "result" : "arg") + std::to_string(index);
    if (auto name = attrs ? attrs.getAs<StringAttr>("recur.name") : nullptr)
      buffer.name = name.str();
    if (auto checkpoint =
            attrs ? attrs.getAs<StringAttr>("recur.checkpoint_name") : nullptr)
      buffer.checkpointName = checkpoint.str();
    if (auto packed =
            attrs ? attrs.getAs<IntegerAttr>(kPackedRowsAttrName) : nullptr) {
      int64_t rows = packed.getInt();
      if (isOutput || tensorType.getRank() != 3 ||
          !tensorType.hasStaticShape() || rows < 1 ||
          tensorType.getDimSize(0) !=
              llvm::divideCeil(rows, tensorType.getDimSize(2)))
        return func.emitError()
               << "'" << kPackedRowsAttrName << "' of " << what << " of @"
               << func.getSymName() << " is " << rows << ", but " << type
               << " is not the panels [ceil(N / P), K, P] of a weight of "
               << rows << " rows";
      buffer.packedRows = rows;
    }
    if (std::optional<std::string> why = whyNotCName(buffer.name))
      return func.emitError() << "'recur.name' of " << what << " of @"
                              << func.getSymName() << " is '" << buffer.name
                              << "', which " << *why;
    if (failed(checkByteSize(what, tensorType)))
      return failure();
    if (!names.insert(buffer.name).second)
      return func.emitError() << "two parameters of @" << func.getSymName()
                              << " are named '" << buffer.name
                              << "'; set distinct 'recur.name' attributes";

    ArrayAttr dimNames =
        attrs ? attrs.getAs<ArrayAttr>("recur.dim_names") : nullptr;
    unsigned nextDimName = 0;
    for (int64_t dim = 0; dim < tensorType.getRank(); ++dim) {
      if (!tensorType.isDynamicDim(dim)) {
        buffer.shape.push_back({tensorType.getDimSize(dim), ""});
        continue;
      }
      std::string dimName;
      if (dimNames) {
        auto name = nextDimName < dimNames.size()
                        ? dyn_cast<StringAttr>(dimNames[nextDimName])
                        : nullptr;
        if (!name)
          return func.emitError()
                 << "'recur.dim_names' of " << what << " of @"
                 << func.getSymName()
                 << " must give one string per dynamic dimension of " << type;
        dimName = name.str();
        ++nextDimName;
      } else if (dim == 0) {
        dimName = "B";
      } else if (dim == 1) {
        dimName = "T";
      } else {
        return func.emitError()
               << "dimension " << dim << " of " << what << " of @"
               << func.getSymName() << " (" << type
               << ") is dynamic; name it with 'recur.dim_names' (only "
                  "dimensions 0 and 1 are named B and T by default)";
      }
      if (std::optional<std::string> why = whyNotCName(dimName))
        return func.emitError() << "dimension name '" << dimName << "' of "
                                << what << " of @" << func.getSymName()
                                << " " << *why;
      if (!llvm::is_contained(iface.dims, dimName)) {
        if (!names.insert(dimName).second)
          return func.emitError() << "dimension name '" << dimName << "' of "
                                  << what << " of @" << func.getSymName()
                                  << " is also the name of a buffer";
        iface.dims.push_back(dimName);
      }
      buffer.shape.push_back({0, dimName});
    }
    if (dimNames && nextDimName != dimNames.size())
      return func.emitError() << "'recur.dim_names' of " << what << " of @"
                              << func.getSymName() << " names "
                              << dimNames.size() << " dimensions, but " << type
                              << " has " << nextDimName << " dynamic ones";
    iface.buffers.push_back(std::move(buffer));
    return success();
  }

  /// Fails (after an error) when the static sizes of `type` alone already
  /// make more than 2^63 - 1 bytes.
  LogicalResult checkByteSize(StringRef what, RankedTensorType type) {
    int64_t bytes = std::max<int64_t>(
        1, type.getElementType().getIntOrFloatBitWidth() / 8);
    for (int64_t size : type.getShape()) {
      if (ShapedType::isDynamic(size))
        continue;
      if (llvm::MulOverflow(bytes, size, bytes))
        return func.emitError()
               << what << " of @" << func.getSymName() << " has type " << type
               << ", more than 2^63 bytes";
    }
    return success();
  }

  /// The memref type of a buffer: the tensor's shape, identity layout.
  static MemRefType getMemRefType(Type tensorType) {
    auto type = cast<RankedTensorType>(tensorType);
    return MemRefType::get(type.getShape(), type.getElementType());
  }

  CInterface iface;

private:
  func::FuncOp func;
  /// Buffer and dimension names: one C parameter list.
  llvm::StringSet<> names;
};

struct RecurBufferABI : recur::impl::RecurBufferABIBase<RecurBufferABI> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> exported;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func->hasAttr(CInterface::attrName)) {
        func.emitError() << "'" << CInterface::attrName
                         << "' is set by --recur-buffer-abi, not by hand";
        return signalPassFailure();
      }
      // The compiled code calls the C library beside the model's functions.
      if (isRuntimeSymbol(func.getSymName())) {
        func.emitError() << "function @" << func.getSymName()
                         << " has the name of a C library or compiler "
                            "runtime function, which the compiled code "
                            "calls or links beside; rename it";
        return signalPassFailure();
      }
      if (func.isPublic() && !func.isExternal())
        exported.push_back(func);
    }
    // Each exported function comes with its status message function, and
    // the header declares its tables beside the other exported functions.
    for (func::FuncOp func : exported) {
      std::string messages = getStatusMessageFunctionName(func.getSymName());
      if (Operation *clash = symbols.lookup(messages)) {
        clash->emitError() << "@" << messages << " would clash with the "
                           << "status message function of the exported @"
                           << func.getSymName() << "; rename one of them";
        return signalPassFailure();
      }
      for (func::FuncOp other : exported) {
        if (!isHeaderNameOf(other.getSymName(), func.getSymName()))
          continue;
        other.emitError() << "@" << other.getSymName()
                          << " would clash with a table that the header "
                             "declares for the exported @"
                          << func.getSymName() << "; rename one of them";
        return signalPassFailure();
      }
    }
    for (func::FuncOp func : exported)
      if (failed(exportFunction(func, symbols)))
        return signalPassFailure();
    // Calls to an exported function go to its body.
    updateSymbolReferences(module, renamed);
  }

  /// Old name -> new name of every body.
  DenseMap<StringAttr, StringAttr> renamed;

  /// For each result of `body`, the argument its `recur.updates` names
  /// (an integer: the argument's position) or -1; fails (after an error)
  /// unless each names a distinct argument of the result's type.
  static FailureOr<SmallVector<int64_t>>
  getUpdatedArguments(func::FuncOp body) {
    FunctionType type = body.getFunctionType();
    SmallVector<int64_t> updates;
    for (auto [i, resultType] : llvm::enumerate(type.getResults())) {
      Attribute attr = body.getResultAttr(i, kUpdatesAttrName);
      if (!attr) {
        updates.push_back(-1);
        continue;
      }
      auto index = dyn_cast<IntegerAttr>(attr);
      int64_t arg = index ? index.getInt() : -1;
      if (arg < 0 || arg >= static_cast<int64_t>(type.getNumInputs()))
        return body.emitError()
               << "'" << kUpdatesAttrName << "' of result " << i << " of @"
               << body.getSymName() << " must be the position of an argument "
               << "(0 to " << type.getNumInputs() << " - 1), got " << attr;
      if (type.getInput(arg) != resultType)
        return body.emitError()
               << "result " << i << " of @" << body.getSymName()
               << " updates argument " << arg << " but has type " << resultType
               << ", not the argument's " << type.getInput(arg);
      if (llvm::is_contained(updates, arg))
        return body.emitError() << "two results of @" << body.getSymName()
                                << " update argument " << arg;
      updates.push_back(arg);
    }
    return updates;
  }

  LogicalResult exportFunction(func::FuncOp body, SymbolTable &symbols) {
    if (std::optional<std::string> why =
            whyNotCFunctionName(body.getSymName()))
      return body.emitError() << "exported function @" << body.getSymName()
                              << " cannot be a C function: its name "
                              << *why;
    FunctionType type = body.getFunctionType();
    FailureOr<SmallVector<int64_t>> updates = getUpdatedArguments(body);
    if (failed(updates))
      return failure();
    InterfaceBuilder builder(body);
    for (auto [i, argType] : llvm::enumerate(type.getInputs()))
      if (failed(builder.addBuffer(false, i, argType, body.getArgAttrDict(i))))
        return failure();
    SmallVector<Type> bufferTypes;
    for (Type t : type.getInputs())
      bufferTypes.push_back(InterfaceBuilder::getMemRefType(t));
    // Each result goes into its own output buffer, or over the argument it
    // updates (which becomes an input written in place).
    SmallVector<unsigned> destinations;
    for (auto [i, resultType] : llvm::enumerate(type.getResults())) {
      if ((*updates)[i] >= 0) {
        builder.iface.buffers[(*updates)[i]].isUpdated = true;
        destinations.push_back((*updates)[i]);
        continue;
      }
      if (failed(builder.addBuffer(true, i, resultType,
                                   body.getResultAttrDict(i))))
        return failure();
      destinations.push_back(bufferTypes.size());
      bufferTypes.push_back(InterfaceBuilder::getMemRefType(resultType));
    }

    std::string name = body.getSymName().str();
    OpBuilder b(body);
    // The status (CInterface.h) and the two values its check compared; all
    // 0 until --recur-runtime-checks adds checks.
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    auto wrapper = func::FuncOp::create(
        b, body.getLoc(), name,
        b.getFunctionType(bufferTypes, {i32, i64, i64}));
    wrapper->setAttr(CInterface::attrName,
                     builder.iface.toAttr(&getContext()));
    // The entry checks the values of index arguments (IndexChecks.h).
    for (unsigned i = 0; i < type.getNumInputs(); ++i)
      for (StringRef attrName :
           {kSlotIndicesAttrName, kSequenceOffsetsAttrName})
        if (Attribute attr = body.getArgAttr(i, attrName))
          wrapper.setArgAttr(i, attrName, attr);

    // The body keeps its code under a fresh private name; calls follow it.
    std::string bodyName = name + ".body";
    for (unsigned suffix = 0; symbols.lookup(bodyName); ++suffix)
      bodyName = name + ".body" + std::to_string(suffix);
    renameSymbol(symbols, body, b.getStringAttr(bodyName), renamed);
    body.setPrivate();
    symbols.insert(wrapper);

    Block *entry = wrapper.addEntryBlock();
    b.setInsertionPointToStart(entry);
    Location loc = body.getLoc();
    SmallVector<Value> inputs;
    unsigned numInputs = type.getNumInputs();
    for (auto [i, inputType] : llvm::enumerate(type.getInputs()))
      inputs.push_back(bufferization::ToTensorOp::create(
          b, loc, inputType, entry->getArgument(i), /*restrict=*/true,
          /*writable=*/builder.iface.buffers[i].isUpdated));
    auto call = func::CallOp::create(b, loc, body, inputs);
    // An update is written over its argument's buffer, which the tensor of
    // that argument already reads: only an output's destination is
    // `restrict` (no other tensor reads it).
    for (auto [result, destination] :
         llvm::zip_equal(call.getResults(), destinations))
      bufferization::MaterializeInDestinationOp::create(
          b, loc, Type(), result, entry->getArgument(destination),
          /*restrict=*/destination >= numInputs, /*writable=*/true);
    Value ok = arith::ConstantIntOp::create(b, loc, i32, 0);
    Value none = arith::ConstantIntOp::create(b, loc, i64, 0);
    func::ReturnOp::create(b, loc, ValueRange{ok, none, none});
    return success();
  }
};
} // namespace
