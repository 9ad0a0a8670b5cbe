/*===- vulkan.h - Device memory and kernel dispatch on Vulkan -------------===*
 *
 * Part of recur's runtime library: what the code written for
 * `--target=vulkan` calls to run its SPIR-V kernels. A context owns one
 * Vulkan device; buffers are device memory the host can map; a dispatch
 * records one kernel launch, and recur_vk_finish submits everything
 * recorded since the last finish and waits for it:
 *
 *   int status;
 *   recur_vk_context *vk = recur_vk_default_context(&status);
 *   recur_vk_buffer *x, *y;
 *   recur_vk_buffer_create(vk, bytes, &x);  ...  recur_vk_buffer_write(...);
 *   recur_vk_arg args[] = {recur_vk_arg_f32(2.0f), recur_vk_arg_buffer(x),
 *                          recur_vk_arg_buffer(y)};
 *   recur_vk_dispatch(vk, &saxpy_kernel, groups, 1, 1, args);
 *   recur_vk_finish(vk);
 *   recur_vk_buffer_read(vk, y, 0, host, bytes);
 *
 * Kernels are what MLIR's `convert-gpu-to-spirv` writes: argument i of the
 * kernel is the storage buffer at descriptor set 0, binding i, a scalar
 * argument is a storage buffer holding a struct of that one scalar, and
 * the workgroup size is fixed in the entry point.
 *
 * Every function returning int returns a recur_vk_status: 0 on success,
 * otherwise the kind of failure, with its text in recur_vk_error_message.
 * Nothing here aborts, exits or prints. A buffer handle is checked against
 * the context's live buffers before it is used: one that is not (a host
 * pointer, a destroyed buffer, another context's buffer) fails with
 * RECUR_VK_ERROR_INVALID_ARGUMENT, "... 0x... is not a live buffer of this
 * context". libvulkan.so.1 is loaded when the
 * first context is created, so a program linking this library also loads
 * and runs (with RECUR_VK_ERROR_UNAVAILABLE) where Vulkan is absent.
 *
 * Threads: every call on a context takes its lock, so a context may be
 * shared; dispatches from several threads interleave in one recording.
 *
 *===----------------------------------------------------------------------===*/

#ifndef RECUR_VULKAN_H
#define RECUR_VULKAN_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum recur_vk_status {
  RECUR_VK_SUCCESS = 0,
  /* No libvulkan.so.1, no instance, or no device fit to run kernels. */
  RECUR_VK_ERROR_UNAVAILABLE = 1,
  /* A call's arguments: bounds, alignment, group counts, a kernel's
   * SPIR-V, a capability the device lacks. Nothing was changed. */
  RECUR_VK_ERROR_INVALID_ARGUMENT = 2,
  /* Host or device memory ran out. */
  RECUR_VK_ERROR_OUT_OF_MEMORY = 3,
  /* The device was lost: the context fails every later call. */
  RECUR_VK_ERROR_DEVICE_LOST = 4,
  /* Any other Vulkan failure. */
  RECUR_VK_ERROR_VULKAN = 5,
} recur_vk_status;

typedef struct recur_vk_context recur_vk_context;
typedef struct recur_vk_buffer recur_vk_buffer;

/* One kernel: an entry point of a SPIR-V module. The code written by
 * recur-compile keeps these as static constants: `spirv` and `entry` must
 * stay valid and unchanged while any context that ran the kernel lives,
 * since each context compiles a kernel once and finds it again by the
 * `spirv` pointer and the entry name. */
typedef struct recur_vk_kernel {
  const uint32_t *spirv;
  uint64_t spirv_bytes;
  const char *entry;
  uint32_t num_args; /* bindings 0 .. num_args - 1 of descriptor set 0 */
  /* The workgroup (shared) memory the entry point declares, in bytes: a
   * dispatch fails when it is above the device's
   * maxComputeSharedMemorySize. 0: none, or not known. */
  uint64_t shared_bytes;
} recur_vk_kernel;

/* One kernel argument. A buffer argument (scalar_bytes == 0) binds bytes
 * [offset, offset + size) of `buffer`; size 0 means up to the buffer's
 * end. The offset must be a multiple of the device's
 * minStorageBufferOffsetAlignment (16 on lavapipe, at most 256), and the
 * range at most its maxStorageBufferRange (128 MiB on lavapipe). A scalar
 * argument passes the low scalar_bytes (1, 2, 4 or 8) bytes of `scalar`:
 * an i32/index as its value, an f32 or f16 as its bit pattern. */
typedef struct recur_vk_arg {
  recur_vk_buffer *buffer;
  uint64_t offset;
  uint64_t size;
  int64_t scalar;
  uint32_t scalar_bytes; /* 0 for buffer args; 1, 2, 4 or 8 for a scalar */
  /* Non-NULL: the argument is a storage buffer holding a copy of the
   * `size` bytes at `data` (a multiple of 4, at most 4096; a kernel's
   * packed scalars), and buffer, offset, scalar and scalar_bytes are
   * ignored. */
  const void *data;
} recur_vk_arg;

/* Creates a context on the first physical device (Vulkan 1.1 or newer)
 * with a compute queue, or on device RECUR_VULKAN_DEVICE=<index> of
 * vkEnumeratePhysicalDevices when that is set. It enables shaderInt8,
 * shaderInt16, shaderInt64, shaderFloat16, storageBuffer8BitAccess and
 * storageBuffer16BitAccess where the device has them; a kernel declaring
 * a SPIR-V capability the device lacks fails at its first dispatch. */
int recur_vk_context_create(recur_vk_context **out);

/* Waits for the device and frees the context, with the buffers of it not
 * destroyed yet. Work recorded and not finished is dropped. NULL is a
 * no-op. */
void recur_vk_context_destroy(recur_vk_context *context);

/* The process-wide context, created by the first call (thread-safe) and
 * returned by every later one; never destroy it. On failure it returns
 * NULL and sets *status (when status is not NULL) and the message, every
 * time, without trying again. */
recur_vk_context *recur_vk_default_context(int *status);

/* The text of this thread's last failure, "" before any. */
const char *recur_vk_error_message(void);

/* Sets this thread's failure text (printf `format`) and returns `status`:
 * for the layers above (vulkan_calls.c) that fail on their own. */
int recur_vk_fail(int status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A buffer of `bytes` bytes (0 is allowed) of host-visible, coherent
 * device memory, its contents undefined. */
int recur_vk_buffer_create(recur_vk_context *context, uint64_t bytes,
                           recur_vk_buffer **out);

/* Copy `bytes` bytes between host memory and the buffer at `offset`. The
 * range must lie within the buffer. Both first submit and wait for the
 * work recorded so far (as recur_vk_finish does), so they see the writes
 * of every dispatch recorded before them and no later one sees theirs. */
int recur_vk_buffer_write(recur_vk_context *context, recur_vk_buffer *buffer,
                          uint64_t offset, const void *src, uint64_t bytes);
int recur_vk_buffer_read(recur_vk_context *context, recur_vk_buffer *buffer,
                         uint64_t offset, void *dst, uint64_t bytes);

/* Frees the buffer; when dispatches are recorded, after the next finish
 * (so a kernel may still use it). NULL is a no-op; a pointer that is not a
 * live buffer of the context (one destroyed already) frees nothing and
 * only sets the message. */
void recur_vk_buffer_destroy(recur_vk_context *context,
                             recur_vk_buffer *buffer);

/* Records a dispatch of groups_x * groups_y * groups_z workgroups of
 * `kernel`, args[i] bound to binding i. A group count of 0 records
 * nothing and succeeds; one above the device's maxComputeWorkGroupCount is
 * an error. Each dispatch sees the writes of the dispatches recorded
 * before it. The kernel's pipeline is built by its first dispatch on the
 * context and kept. Nothing runs until recur_vk_finish (or a buffer read
 * or write); a failed call records nothing. */
int recur_vk_dispatch(recur_vk_context *context, const recur_vk_kernel *kernel,
                      uint32_t groups_x, uint32_t groups_y, uint32_t groups_z,
                      const recur_vk_arg *args);

/* Submits what was recorded since the last finish and waits for it. After
 * a failure the recording is dropped and the context can be used again,
 * unless the device was lost. */
int recur_vk_finish(recur_vk_context *context);

/* Arguments, for readability at the call sites. */
static inline recur_vk_arg recur_vk_arg_buffer(recur_vk_buffer *buffer) {
  recur_vk_arg arg = {buffer, 0, 0, 0, 0, 0};
  return arg;
}
static inline recur_vk_arg recur_vk_arg_i32(int32_t value) {
  recur_vk_arg arg = {0, 0, 0, (int64_t)(uint32_t)value, 4, 0};
  return arg;
}
static inline recur_vk_arg recur_vk_arg_i64(int64_t value) {
  recur_vk_arg arg = {0, 0, 0, value, 8, 0};
  return arg;
}
static inline recur_vk_arg recur_vk_arg_f32(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  recur_vk_arg arg = {0, 0, 0, (int64_t)bits, 4, 0};
  return arg;
}

#ifdef __cplusplus
}
#endif

#endif /* RECUR_VULKAN_H */
