//===- CInterface.h - The C interface of an exported function ----*- C++ -*-===//
//
// recur-compile exports each public function as a C function (README, "The C
// interface"):
//
//   int name(int64_t B, int64_t T,             // named dynamic dimensions
//            const float *q, ...,              // inputs, contiguous
//            float *o, ...);                   // caller-owned outputs
//   const char *name_status_message(int status);
//
// The function returns 0, or the 1-based number of the first run-time check
// that failed (--recur-runtime-checks), before any work, or
// kOutOfMemoryStatus when a temporary could not be allocated (during the
// work); the message function turns a status into text naming the buffers,
// dimensions and values.
//
// CInterface is that signature. --recur-buffer-abi records it on the function
// as the `recur.c_interface` attribute; --recur-c-wrappers and the header
// writer read it back, so the three always agree.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_EMIT_CINTERFACE_H
#define RECUR_EMIT_CINTERFACE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir {
namespace recur {

/// One dimension of a buffer: a static size, or a named dynamic dimension.
struct CDim {
  int64_t size = 0;
  std::string name; // empty for a static dimension

  bool isDynamic() const { return !name.empty(); }
};

/// One buffer argument of the C function.
struct CBuffer {
  std::string name;
  bool isOutput = false;
  Type elementType;
  SmallVector<CDim> shape;
  /// The tensor's name in a checkpoint (`recur.checkpoint_name`), or empty.
  std::string checkpointName = {};
  /// An input that the function also writes in place (a result with
  /// `recur.updates` names it): a state pool. It is written like an output.
  bool isUpdated = false;
  /// A weight [packedRows, K] passed in panels (`recur.packed_rows`): the
  /// buffer is [ceil(packedRows / P), K, P], row n's input k at
  /// [n / P, k, n % P]; 0 for any other buffer.
  int64_t packedRows = 0;

  /// Whether the function writes the buffer: an output or an updated input.
  bool isWritten() const { return isOutput || isUpdated; }
  /// The buffer's role in the tables of the header (recur_buffer_info's
  /// is_output): 0 an input, 1 an output, 2 an input written in place.
  int getRole() const { return isOutput ? 1 : isUpdated ? 2 : 0; }
};

/// Argument attributes of index arguments, whose values the entry checks
/// (--recur-runtime-checks): `recur.slot_indices = "slots"` (i32 [B]):
/// each entry is -1 or a distinct slot in [0, slots); and
/// `recur.sequence_offsets = ["N", "B"]` (i32 [B + 1]): offsets of B
/// packed sequences in N tokens, from 0 to N, never decreasing.
/// --recur-buffer-abi keeps them on the exported function's arguments.
constexpr llvm::StringLiteral kSlotIndicesAttrName = "recur.slot_indices";
/// The result attribute naming the argument (its position) that a result
/// is written over (--recur-buffer-abi): an input updated in place.
constexpr llvm::StringLiteral kUpdatesAttrName = "recur.updates";
constexpr llvm::StringLiteral kSequenceOffsetsAttrName =
    "recur.sequence_offsets";
/// The argument attribute of a weight passed in panels: its rows N (i64).
constexpr llvm::StringLiteral kPackedRowsAttrName = "recur.packed_rows";

struct CInterface {
  /// Dynamic dimension names, in the order of the C arguments.
  SmallVector<std::string> dims;
  /// Inputs (updated ones among them) first, then outputs, in the order of
  /// the C arguments.
  SmallVector<CBuffer> buffers;
  /// The message of each nonzero status (status s: statusMessages[s - 1]):
  /// printf formats with two `%lld` (`%%` for a percent sign), the values
  /// the failed check compared.
  SmallVector<std::string> statusMessages;

  static constexpr llvm::StringLiteral attrName = "recur.c_interface";

  DictionaryAttr toAttr(MLIRContext *context) const;
  /// Decodes the attribute written by toAttr; emits an error at `op` and
  /// fails when it is malformed.
  static FailureOr<CInterface> fromAttr(Operation *op, Attribute attr);
};

/// The C spelling of an element type in the interface ("float", "uint16_t"
/// for the raw bits of f16/bf16, ...), or failure for types C cannot take.
FailureOr<std::string> getCTypeName(Type elementType);

/// The name of an element type in the interface file ("f32", "bf16",
/// "i32", "u8", ...), or failure for types C cannot take.
FailureOr<std::string> getDtypeName(Type elementType);

/// Calls `visit` with each function of `module` that carries a C interface
/// (the op, its name and the decoded interface), in order; fails when an
/// attribute is malformed (with an error at its op) or when `visit` fails.
LogicalResult forEachCInterface(
    ModuleOp module,
    llvm::function_ref<LogicalResult(Operation &op, StringRef name,
                                     const CInterface &iface)>
        visit);

/// Whether the lowered `module` runs loops on OpenMP threads.
bool isThreaded(ModuleOp module);

/// The status of a call whose temporary could not be allocated.
constexpr int32_t kOutOfMemoryStatus = -1;
/// The status of a call on a GPU target whose device work failed (the
/// runtime's error message says why).
constexpr int32_t kDeviceErrorStatus = -2;

/// The name of the function that turns a status of exported function `name`
/// into a message.
std::string getStatusMessageFunctionName(StringRef name);

/// Whether the header declares `candidate` for exported function `name`:
/// its status message function, NAME_host, NAME_call_on_stream, or one of
/// its tables (NAME_call,
/// NAME_info, NAME_dims, NAME_buffers, NAME_shape<i>).
bool isHeaderNameOf(StringRef candidate, StringRef name);

/// Writes a C header declaring every function of `module` that carries a
/// C interface, with each argument's shape documented.
/// The target the C interface is compiled for: the vulkan target's header
/// adds NAME_host entries (host memory) over the Vulkan runtime, and its
/// interface file says so.
enum class InterfaceTarget { CPU, Vulkan, CUDA };
LogicalResult writeCHeader(ModuleOp module, StringRef guard,
                           llvm::raw_ostream &os,
                           InterfaceTarget target = InterfaceTarget::CPU);

} // namespace recur
} // namespace mlir

#endif // RECUR_EMIT_CINTERFACE_H
