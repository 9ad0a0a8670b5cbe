//===- InterfaceFile.cpp - The machine-readable interface file ------------===//

#include "recur/Emit/InterfaceFile.h"
#include "recur/Emit/CInterface.h"

#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::recur;

LogicalResult mlir::recur::writeInterfaceFile(ModuleOp module,
                                              llvm::raw_ostream &os,
                                              InterfaceTarget target) {
  llvm::json::Array functions;
  auto describe = [&](Operation &op, StringRef name,
                      const CInterface &iface) -> LogicalResult {
    llvm::json::Array buffers;
    for (const CBuffer &buffer : iface.buffers) {
      FailureOr<std::string> cType = getCTypeName(buffer.elementType);
      FailureOr<std::string> dtype = getDtypeName(buffer.elementType);
      if (failed(cType) || failed(dtype))
        return op.emitError()
               << "element type " << buffer.elementType << " of '"
               << buffer.name << "' has no C equivalent";
      llvm::json::Array shape;
      for (const CDim &dim : buffer.shape)
        shape.push_back(dim.isDynamic() ? llvm::json::Value(dim.name)
                                        : llvm::json::Value(dim.size));
      llvm::json::Object fields{{"name", buffer.name},
                                {"output", buffer.isOutput},
                                {"dtype", *dtype},
                                {"c_type", *cType},
                                {"shape", std::move(shape)}};
      if (!buffer.checkpointName.empty())
        fields["checkpoint_name"] = buffer.checkpointName;
      if (buffer.packedRows)
        fields["packed_rows"] = buffer.packedRows;
      if (buffer.isUpdated)
        fields["updated"] = true;
      buffers.push_back(std::move(fields));
    }
    functions.push_back(llvm::json::Object{
        {"name", name},
        {"status_message", getStatusMessageFunctionName(name)},
        {"dims", llvm::json::Array(iface.dims)},
        {"buffers", std::move(buffers)},
        {"status_messages", llvm::json::Array(iface.statusMessages)},
    });
    return success();
  };
  if (failed(forEachCInterface(module, describe)))
    return failure();
  llvm::json::Object file{{"format", "recur-interface"},
                          {"version", kInterfaceFileVersion},
                          {"target", target == InterfaceTarget::Vulkan ? "vulkan"
                                     : target == InterfaceTarget::CUDA ? "cuda"
                                                                       : "cpu"},
                          {"threaded", isThreaded(module)},
                          {"out_of_memory_status", kOutOfMemoryStatus},
                          {"functions", std::move(functions)}};
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(file))) << "\n";
  return success();
}
