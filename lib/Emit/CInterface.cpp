//===- CInterface.cpp - The C interface of an exported function -----------===//

#include "recur/Emit/CInterface.h"
#include "recur/Emit/CNames.h"

#include "recur/Dialect/Recur/IR/RecurLayout.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::recur;

DictionaryAttr CInterface::toAttr(MLIRContext *context) const {
  Builder b(context);
  SmallVector<Attribute> dimAttrs;
  for (const std::string &dim : dims)
    dimAttrs.push_back(b.getStringAttr(dim));

  SmallVector<Attribute> bufferAttrs;
  for (const CBuffer &buffer : buffers) {
    SmallVector<Attribute> shape;
    for (const CDim &dim : buffer.shape)
      shape.push_back(dim.isDynamic() ? Attribute(b.getStringAttr(dim.name))
                                      : Attribute(b.getI64IntegerAttr(dim.size)));
    SmallVector<NamedAttribute> fields = {
        b.getNamedAttr("name", b.getStringAttr(buffer.name)),
        b.getNamedAttr("output", b.getBoolAttr(buffer.isOutput)),
        b.getNamedAttr("element_type", TypeAttr::get(buffer.elementType)),
        b.getNamedAttr("shape", b.getArrayAttr(shape)),
    };
    if (!buffer.checkpointName.empty())
      fields.push_back(b.getNamedAttr(
          "checkpoint_name", b.getStringAttr(buffer.checkpointName)));
    if (buffer.isUpdated)
      fields.push_back(b.getNamedAttr("updated", b.getUnitAttr()));
    if (buffer.packedRows)
      fields.push_back(b.getNamedAttr(
          "packed_rows", b.getI64IntegerAttr(buffer.packedRows)));
    bufferAttrs.push_back(b.getDictionaryAttr(fields));
  }
  SmallVector<Attribute> messageAttrs;
  for (const std::string &message : statusMessages)
    messageAttrs.push_back(b.getStringAttr(message));
  return b.getDictionaryAttr({
      b.getNamedAttr("dims", b.getArrayAttr(dimAttrs)),
      b.getNamedAttr("buffers", b.getArrayAttr(bufferAttrs)),
      b.getNamedAttr("status_messages", b.getArrayAttr(messageAttrs)),
  });
}

FailureOr<CInterface> CInterface::fromAttr(Operation *op, Attribute attr) {
  auto malformed = [&]() {
    op->emitError() << "malformed '" << attrName << "' attribute: " << attr;
    return failure();
  };
  auto dict = dyn_cast_or_null<DictionaryAttr>(attr);
  if (!dict)
    return malformed();
  auto dimAttrs = dict.getAs<ArrayAttr>("dims");
  auto bufferAttrs = dict.getAs<ArrayAttr>("buffers");
  auto messageAttrs = dict.getAs<ArrayAttr>("status_messages");
  if (!dimAttrs || !bufferAttrs || !messageAttrs)
    return malformed();

  CInterface result;
  // Every name becomes C text in the header: a hand-written attribute must
  // not smuggle anything else in.
  auto badName = [&](StringRef name) {
    if (std::optional<std::string> why = whyNotCName(name)) {
      op->emitError() << "'" << attrName << "' names '" << name << "', which "
                      << *why;
      return true;
    }
    return false;
  };
  for (Attribute dim : dimAttrs) {
    auto name = dyn_cast<StringAttr>(dim);
    if (!name)
      return malformed();
    if (badName(name.getValue()))
      return failure();
    result.dims.push_back(name.str());
  }
  for (Attribute bufferAttr : bufferAttrs) {
    auto bufferDict = dyn_cast<DictionaryAttr>(bufferAttr);
    if (!bufferDict)
      return malformed();
    auto name = bufferDict.getAs<StringAttr>("name");
    auto output = bufferDict.getAs<BoolAttr>("output");
    auto elementType = bufferDict.getAs<TypeAttr>("element_type");
    auto shape = bufferDict.getAs<ArrayAttr>("shape");
    if (!name || !output || !elementType || !shape)
      return malformed();
    if (badName(name.getValue()))
      return failure();
    CBuffer buffer{name.str(), output.getValue(), elementType.getValue(), {}};
    if (Attribute checkpoint = bufferDict.get("checkpoint_name")) {
      auto text = dyn_cast<StringAttr>(checkpoint);
      if (!text || !isValidCheckpointName(text.getValue()))
        return malformed();
      buffer.checkpointName = text.str();
    }
    if (Attribute updated = bufferDict.get("updated")) {
      if (!isa<UnitAttr>(updated) || buffer.isOutput)
        return malformed();
      buffer.isUpdated = true;
    }
    for (Attribute dim : shape) {
      if (auto size = dyn_cast<IntegerAttr>(dim))
        buffer.shape.push_back({size.getInt(), ""});
      else if (auto dimName = dyn_cast<StringAttr>(dim);
               dimName && llvm::is_contained(result.dims, dimName.str()))
        buffer.shape.push_back({0, dimName.str()});
      else
        return malformed();
    }
    // Panels [ceil(N / P), K, P] of a weight of N rows (the header prints
    // K and P).
    if (Attribute packed = bufferDict.get("packed_rows")) {
      auto rows = dyn_cast<IntegerAttr>(packed);
      if (!rows || rows.getInt() < 1 || buffer.isOutput ||
          buffer.shape.size() != 3 ||
          llvm::any_of(buffer.shape, [](const CDim &dim) {
            return dim.isDynamic() || dim.size < 1;
          }))
        return malformed();
      buffer.packedRows = rows.getInt();
    }
    result.buffers.push_back(std::move(buffer));
  }
  for (Attribute message : messageAttrs) {
    // A message is a printf format for snprintf with two long long values:
    // one line of printable text whose only conversions are %lld and %%.
    auto text = dyn_cast<StringAttr>(message);
    if (!text)
      return malformed();
    StringRef format = text.getValue();
    unsigned values = 0;
    for (size_t i = 0; i < format.size(); ++i) {
      if (!llvm::isPrint(format[i]))
        return malformed();
      if (format[i] != '%')
        continue;
      if (format.substr(i).starts_with("%%")) {
        ++i;
      } else if (format.substr(i).starts_with("%lld") && values < 2) {
        ++values;
        i += 3;
      } else {
        return malformed();
      }
    }
    result.statusMessages.push_back(text.str());
  }
  return result;
}

std::string mlir::recur::getStatusMessageFunctionName(StringRef name) {
  return (name + "_status_message").str();
}

bool mlir::recur::isHeaderNameOf(StringRef candidate, StringRef name) {
  if (!candidate.consume_front(name) || !candidate.consume_front("_"))
    return false;
  if (candidate.consume_front("shape"))
    return !candidate.empty() && llvm::all_of(candidate, llvm::isDigit);
  return llvm::is_contained({"status_message", "call", "info", "dims",
                             "buffers", "host", "call_on_stream",
                             "workspace_size"},
                            candidate);
}

FailureOr<std::string> mlir::recur::getCTypeName(Type elementType) {
  if (elementType.isF32())
    return std::string("float");
  if (elementType.isF64())
    return std::string("double");
  if (elementType.isF16() || elementType.isBF16())
    return std::string("uint16_t");
  if (auto integer = dyn_cast<IntegerType>(elementType)) {
    unsigned width = integer.getWidth();
    if (width == 8 || width == 16 || width == 32 || width == 64)
      return std::string(integer.isUnsigned() ? "uint" : "int") +
             std::to_string(width) + "_t";
  }
  return failure();
}

FailureOr<std::string> mlir::recur::getDtypeName(Type elementType) {
  if (elementType.isF32())
    return std::string("f32");
  if (elementType.isF64())
    return std::string("f64");
  if (elementType.isF16())
    return std::string("f16");
  if (elementType.isBF16())
    return std::string("bf16");
  if (auto integer = dyn_cast<IntegerType>(elementType)) {
    unsigned width = integer.getWidth();
    if (width == 8 || width == 16 || width == 32 || width == 64)
      return std::string(integer.isUnsigned() ? "u" : "i") +
             std::to_string(width);
  }
  return failure();
}

LogicalResult mlir::recur::forEachCInterface(
    ModuleOp module,
    llvm::function_ref<LogicalResult(Operation &, StringRef,
                                     const CInterface &)>
        visit) {
  for (Operation &op : module.getBody()->getOperations()) {
    Attribute attr = op.getAttr(CInterface::attrName);
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    if (!attr || !symbol)
      continue;
    FailureOr<CInterface> iface = CInterface::fromAttr(&op, attr);
    if (failed(iface) || failed(visit(op, symbol.getName(), *iface)))
      return failure();
  }
  return success();
}

bool mlir::recur::isThreaded(ModuleOp module) {
  return module.walk([](omp::ParallelOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

static std::string formatShape(const CBuffer &buffer) {
  std::string text = "[";
  llvm::interleave(
      buffer.shape,
      [&](const CDim &dim) {
        text += dim.isDynamic() ? dim.name : std::to_string(dim.size);
      },
      [&] { text += ", "; });
  return text + "]";
}

static std::string describeElementType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  if (type.isF16())
    os << ", IEEE half bits";
  else if (type.isBF16())
    os << ", bfloat16 bits";
  return text;
}

/// A status message for a comment: the format with each value as "...",
/// and nothing that would end the comment.
static std::string describeStatus(StringRef format) {
  std::string text;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format.substr(i).starts_with("%lld")) {
      text += "...";
      i += 3;
    } else if (format.substr(i).starts_with("%%")) {
      text += "%";
      ++i;
    } else if (format.substr(i).starts_with("*/")) {
      text += "* /";
      ++i;
    } else {
      text += format[i];
    }
  }
  return text;
}

/// The types of the tables, shared by every header (and by the runtime's
/// recur/runtime/model.h) under one guard.
static void writeTypeTables(llvm::raw_ostream &os) {
  os << "/* Tables of the functions, for generic callers (weight loaders,\n"
     << "   harnesses): NAME_info lists NAME's dimensions and buffers, in\n"
     << "   the order of its C arguments, and NAME_info.call calls it with\n"
     << "   them in arrays. A buffer's shape[i] >= 0 is a static size;\n"
     << "   shape[i] = -1 - d is the function's dynamic dimension dims[d]. */\n"
     << "#ifndef RECUR_FUNCTION_INFO\n#define RECUR_FUNCTION_INFO\n"
     << "typedef struct recur_buffer_info {\n"
     << "  const char *name;\n"
     << "  const char *checkpoint_name; /* NULL when it has none */\n"
     << "  const char *dtype;           /* \"f32\", \"bf16\", \"f16\", ... */\n"
     << "  int is_output; /* 0 in, 1 out, 2 in and written in place */\n"
     << "  int rank;\n"
     << "  const int64_t *shape;\n"
     << "  /* 0, or N: a weight [N, shape[1]] packed in panels of shape[2]\n"
     << "     rows, row n's input k at [n / shape[2]][k][n % shape[2]], the\n"
     << "     rows past N zero (recur_pack_panels) */\n"
     << "  int64_t packed_rows;\n"
     << "} recur_buffer_info;\n\n"
     << "typedef struct recur_function_info {\n"
     << "  const char *name;\n"
     << "  int dim_count;\n"
     << "  const char *const *dims;\n"
     << "  int buffer_count;\n"
     << "  const recur_buffer_info *buffers;\n"
     << "  int (*call)(const int64_t *dims, void *const *buffers);\n"
     << "  const char *(*status_message)(int status);\n"
     << "} recur_function_info;\n"
     << "#endif /* RECUR_FUNCTION_INFO */\n\n"
     << "#if defined(__GNUC__)\n#define RECUR_MAYBE_UNUSED "
     << "__attribute__((unused))\n#else\n#define RECUR_MAYBE_UNUSED\n"
     << "#endif\n\n";
}

/// `text` (printable ASCII, as checkpoint names are) as a C string literal.
static void writeCString(StringRef text, llvm::raw_ostream &os) {
  os << '"';
  for (char c : text) {
    if (c == '"' || c == '\\' || c == '?') // '?': no trigraphs
      os << '\\';
    os << c;
  }
  os << '"';
}

/// NAME's arguments from the arrays `dims` and `buffers` (and `trailing`:
/// the stream and workspace on the cuda target).
static std::string argumentsFromArrays(const CInterface &iface,
                                       StringRef trailing) {
  SmallVector<std::string> args;
  for (size_t i = 0; i < iface.dims.size(); ++i)
    args.push_back("dims[" + std::to_string(i) + "]");
  for (auto [index, buffer] : llvm::enumerate(iface.buffers))
    args.push_back("(" + std::string(buffer.isWritten() ? "" : "const ") +
                   *getCTypeName(buffer.elementType) + " *)buffers[" +
                   std::to_string(index) + "]");
  if (!trailing.empty())
    args.push_back(trailing.str());
  return llvm::join(args, ", ");
}

/// NAME_call (NAME's arguments from arrays; on the cuda target, on the
/// default stream with stream-ordered temporaries) and NAME_info.
static void writeFunctionTable(StringRef name, const CInterface &iface,
                               InterfaceTarget target, llvm::raw_ostream &os) {
  os << "static inline int " << name
     << "_call(const int64_t *dims, void *const *buffers) {\n"
     << "  (void)dims;\n  (void)buffers;\n  return " << name << "("
     << argumentsFromArrays(iface,
                            target == InterfaceTarget::CUDA ? "0, NULL" : "")
     << ");\n}\n";

  for (auto [index, buffer] : llvm::enumerate(iface.buffers)) {
    if (buffer.shape.empty())
      continue;
    os << "static const int64_t " << name << "_shape" << index << "[] = {";
    llvm::interleaveComma(buffer.shape, os, [&](const CDim &dim) {
      if (!dim.isDynamic()) {
        os << dim.size;
        return;
      }
      auto at = llvm::find(iface.dims, dim.name);
      os << -1 - (at - iface.dims.begin());
    });
    os << "};\n";
  }
  if (!iface.dims.empty()) {
    os << "static const char *const " << name << "_dims[] = {";
    llvm::interleaveComma(iface.dims, os,
                          [&](const std::string &dim) { os << '"' << dim << '"'; });
    os << "};\n";
  }
  if (!iface.buffers.empty()) {
    os << "static const recur_buffer_info " << name << "_buffers[] = {\n";
    for (auto [index, buffer] : llvm::enumerate(iface.buffers)) {
      os << "  {\"" << buffer.name << "\", ";
      if (buffer.checkpointName.empty())
        os << "0";
      else
        writeCString(buffer.checkpointName, os);
      os << ", \"" << *getDtypeName(buffer.elementType) << "\", "
         << buffer.getRole() << ", " << buffer.shape.size() << ", ";
      if (buffer.shape.empty())
        os << "0";
      else
        os << name << "_shape" << index;
      os << ", " << buffer.packedRows << "},\n";
    }
    os << "};\n";
  }
  os << "static const recur_function_info " << name
     << "_info RECUR_MAYBE_UNUSED = {\"" << name << "\", "
     << iface.dims.size() << ", " << (iface.dims.empty() ? "0" : name + "_dims")
     << ", " << iface.buffers.size() << ", "
     << (iface.buffers.empty() ? "0" : name + "_buffers") << ", " << name
     << "_call, " << getStatusMessageFunctionName(name) << "};\n\n";
}

/// The include guard made of `guard` (RECUR_MODEL_H): an identifier that
/// starts with RECUR_, which whyNotCName rejects, so that no name the
/// header declares can equal it (and be replaced by nothing).
static std::string getIncludeGuard(StringRef guard) {
  std::string result = guard.starts_with("RECUR_") ? "" : "RECUR_";
  for (char c : guard)
    result += llvm::isAlnum(c) ? c : '_';
  return result;
}

/// NAME_host: NAME's parameters on host memory, through the GPU runtime's
/// recur_vk_call_host or recur_cuda_call_host (with NAME_call_on_stream).
static void writeHostEntry(StringRef name, const CInterface &iface,
                           InterfaceTarget target, llvm::raw_ostream &os) {
  bool cuda = target == InterfaceTarget::CUDA;
  if (cuda)
    os << "static inline int " << name
       << "_call_on_stream(const int64_t *dims, void *const *buffers,\n"
       << "    int64_t stream) {\n"
       << "  (void)dims;\n  (void)buffers;\n  return " << name << "("
       << argumentsFromArrays(iface, "stream, NULL") << ");\n}\n";
  SmallVector<std::string> params, dims, buffers;
  for (const std::string &dim : iface.dims) {
    params.push_back("int64_t " + dim);
    dims.push_back(dim);
  }
  for (const CBuffer &buffer : iface.buffers) {
    params.push_back((buffer.isWritten() ? "" : "const ") +
                     *getCTypeName(buffer.elementType) + " *" + buffer.name);
    buffers.push_back("(void *)" + buffer.name);
  }
  os << "RECUR_HOST_ENTRY int " << name << "_host("
     << (params.empty() ? "void" : llvm::join(params, ", ")) << ") {\n"
     << "  const int64_t dims[] = {" << (dims.empty() ? "0" : llvm::join(dims, ", "))
     << "};\n"
     << "  void *const buffers[] = {"
     << (buffers.empty() ? "0" : llvm::join(buffers, ", ")) << "};\n"
     << "  return "
     << (cuda ? "recur_cuda_call_host(&" : "recur_vk_call_host(&") << name
     << "_info, dims, buffers"
     << (cuda ? (", " + name + "_call_on_stream").str() : std::string())
     << ");\n}\n\n";
}

/// NAME_workspace_size (the cuda target): a dry run of NAME on addresses
/// nothing reads, which counts the temporaries a call with these sizes
/// takes from its workspace (0 when the sizes fail NAME's checks).
static void writeWorkspaceSize(StringRef name, const CInterface &iface,
                               llvm::raw_ostream &os) {
  SmallVector<std::string> params, dims, buffers;
  for (const std::string &dim : iface.dims) {
    params.push_back("int64_t " + dim);
    dims.push_back(dim);
  }
  // Distinct, aligned and nonzero: the entry checks compare them.
  for (size_t i = 0; i < iface.buffers.size(); ++i)
    buffers.push_back("(void *)(uintptr_t)" + std::to_string((i + 1) * 4096));
  os << "static inline size_t " << name << "_workspace_size("
     << (params.empty() ? "void" : llvm::join(params, ", ")) << ") {\n"
     << "  const int64_t dims[] = {"
     << (dims.empty() ? "0" : llvm::join(dims, ", ")) << "};\n"
     << "  void *const buffers[] = {"
     << (buffers.empty() ? "0" : llvm::join(buffers, ", ")) << "};\n"
     << "  (void)dims;\n  (void)buffers;\n"
     << "  recur_cuda_measure_begin();\n"
     << "  int status = " << name << "("
     << argumentsFromArrays(iface, "0, NULL") << ");\n"
     << "  uint64_t bytes = recur_cuda_measure_end();\n"
     << "  return status ? 0 : (size_t)bytes;\n}\n\n";
}

LogicalResult mlir::recur::writeCHeader(ModuleOp module, StringRef guard,
                                        llvm::raw_ostream &os,
                                        InterfaceTarget target) {
  std::string includeGuard = getIncludeGuard(guard);
  bool vulkan = target == InterfaceTarget::Vulkan;
  bool cuda = target == InterfaceTarget::CUDA;
  os << "/* Generated by recur-compile. Do not edit. */\n"
     << "#ifndef " << includeGuard << "\n#define " << includeGuard << "\n\n"
     << "#include <stdint.h>\n";
  if (cuda)
    os << "#include <stddef.h>\n";
  if (vulkan || cuda)
    os << (vulkan ? "#include \"recur/vulkan_calls.h\"\n\n"
                  : "#include \"recur/cuda_calls.h\"\n\n")
       << "/* NAME_host entries are static inline unless the includer\n"
       << "   defines RECUR_DEFINE_HOST_ENTRIES (one file of a program,\n"
       << "   to export them). */\n"
       << "#ifdef RECUR_DEFINE_HOST_ENTRIES\n#define RECUR_HOST_ENTRY\n"
       << "#else\n#define RECUR_HOST_ENTRY static inline\n#endif\n";
  os << "\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* Buffers are contiguous and row-major; outputs are written, never\n"
     << "   allocated. Inputs must not overlap outputs.\n\n"
     << "   Each function returns 0 on success, or the number of the first\n"
     << "   check of its sizes that failed (listed with each function),\n"
     << "   before it reads or writes any buffer, or " << kOutOfMemoryStatus
     << " when a temporary\n"
     << "   could not be allocated: then the work stopped part way (outputs\n"
     << "   may be partly written, and the temporaries allocated before are\n"
     << "   not freed). NAME_status_message(status) describes a status, with\n"
     << "   the values of the last failed call on the calling thread. */\n\n";
  if (vulkan)
    os << "/* The vulkan target: every buffer argument of NAME is a device\n"
       << "   buffer, the handle (recur_vk_buffer *, recur/vulkan.h) passed as\n"
       << "   the pointer; the work runs on the runtime's default context\n"
       << "   and is finished when NAME returns. A failure of the device\n"
       << "   returns " << kDeviceErrorStatus
       << " (RECUR_VK_DEVICE_ERROR), described by\n"
       << "   recur_vk_error_message(). NAME_host takes NAME's arguments in\n"
       << "   host memory and copies them to and from the device. Link with\n"
       << "   the RecurVulkan and RecurRuntime libraries, -lpthread -ldl. */\n\n";
  else if (cuda)
    os << "/* The cuda target: every buffer argument of NAME is a device\n"
       << "   pointer (CUdeviceptr), then come a CUstream and a workspace:\n"
       << "   the kernels are launched on the stream, in the calling thread's\n"
       << "   current context (else the primary context of device 0), and\n"
       << "   nothing waits for them. Temporaries come from the workspace, a\n"
       << "   device allocation of NAME_workspace_size(dims) bytes or more,\n"
       << "   256-byte aligned (a smaller one fails the call as a failed\n"
       << "   allocation, before it writes past it; 0 from\n"
       << "   NAME_workspace_size: no temporaries, or sizes NAME refuses),\n"
       << "   or with a NULL workspace are stream-ordered allocations. A\n"
       << "   failure of the device returns " << kDeviceErrorStatus
       << " (RECUR_CUDA_DEVICE_ERROR),\n"
       << "   described by recur_cuda_error_message(). NAME_host takes\n"
       << "   NAME's other arguments in host memory, copies them to and from\n"
       << "   the device and waits. libcuda.so.1 is opened at run time. Link\n"
       << "   with the RecurCUDA and RecurRuntime libraries, -lpthread -ldl. */\n\n";
  else if (isThreaded(module))
    os << "/* Threads: the batch x head loops run on OpenMP threads (link with\n"
       << "   -lomp -lm); OMP_NUM_THREADS sets their number. Each thread keeps\n"
       << "   its static temporaries on its own stack (KMP_STACKSIZE sets the\n"
       << "   size of the worker threads' stacks). */\n\n";
  else
    os << "/* Everything runs on the calling thread (link with -lm). */\n\n";

  auto declare = [&](Operation &op, StringRef name,
                     const CInterface &iface) -> LogicalResult {
    os << "/* " << name << "\n";
    for (const std::string &dim : iface.dims)
      os << " *   " << dim << ": dynamic dimension\n";
    for (const CBuffer &buffer : iface.buffers) {
      os << " *   " << buffer.name
         << (buffer.isOutput    ? " (out)"
             : buffer.isUpdated ? " (in, updated in place)"
                                : " (in)")
         << ": " << formatShape(buffer) << " "
         << describeElementType(buffer.elementType);
      if (!buffer.checkpointName.empty())
        os << ", checkpoint tensor '" << buffer.checkpointName << "'";
      if (buffer.packedRows)
        os << ", a weight [" << buffer.packedRows << ", "
           << buffer.shape[1].size << "] packed in panels of "
           << buffer.shape[2].size << " rows (recur_pack_panels)";
      os << "\n";
    }
    for (auto [index, message] : llvm::enumerate(iface.statusMessages))
      os << " *   status " << index + 1 << ": " << describeStatus(message)
         << "\n";
    os << " */\nint " << name << "(";

    SmallVector<std::string> params;
    for (const std::string &dim : iface.dims)
      params.push_back("int64_t " + dim);
    for (const CBuffer &buffer : iface.buffers) {
      FailureOr<std::string> cType = getCTypeName(buffer.elementType);
      if (failed(cType))
        return op.emitError() << "element type " << buffer.elementType
                              << " of '" << buffer.name
                              << "' has no C equivalent";
      params.push_back((buffer.isWritten() ? "" : "const ") + *cType + " *" +
                       buffer.name);
    }
    if (cuda) {
      params.push_back("int64_t stream");
      params.push_back("void *workspace");
    }
    if (params.empty())
      os << "void";
    os << llvm::join(params, ", ") << ");\n"
       << "const char *" << getStatusMessageFunctionName(name)
       << "(int status);\n\n";
    return success();
  };
  if (failed(forEachCInterface(module, declare)))
    return failure();
  writeTypeTables(os);
  if (failed(forEachCInterface(module, [&](Operation &, StringRef name,
                                           const CInterface &iface) {
        writeFunctionTable(name, iface, target, os);
        if (vulkan || cuda)
          writeHostEntry(name, iface, target, os);
        if (cuda)
          writeWorkspaceSize(name, iface, os);
        return success();
      })))
    return failure();

  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << includeGuard
     << " */\n";
  return success();
}
