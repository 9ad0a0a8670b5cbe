/*===- cuda_calls.h - What code compiled for the cuda target calls --------===*
 *
 * Part of recur's runtime library: kernel launches, stream-ordered device
 * allocations and synchronization for the code `recur-compile
 * --target=cuda` writes, and the NAME_host convenience entries of its
 * header. Everything goes through the CUDA driver API on the calling
 * thread's current context; a thread with none gets the primary context
 * of device 0 (RECUR_CUDA_DEVICE=<n> picks another), retained for the
 * life of the process and made current on that thread. Loading the
 * driver and choosing that device happen once: when they fail, every
 * later call fails with the same message.
 *
 * libcuda.so.1 is opened with dlopen at the first call, so a program
 * linking this library loads and runs where there is no driver: every
 * call then fails with a status and a message naming libcuda.so.1.
 *
 * Every function returning int returns 0 on success, otherwise a nonzero
 * status (RECUR_CUDA_DEVICE_ERROR for the runtime's own failures) with
 * its text in recur_cuda_error_message(). Nothing here aborts, exits or
 * prints. All of it may be called from several threads at once.
 *
 * Streams are CUstream values passed as int64_t: 0 is the legacy default
 * stream (the runtime calls the driver's legacy entry points, never the
 * _ptsz/_ptds ones); CU_STREAM_PER_THREAD (2) works too.
 *
 *===----------------------------------------------------------------------===*/

#ifndef RECUR_CUDA_CALLS_H
#define RECUR_CUDA_CALLS_H

#include "recur/runtime/model.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The status of every failure of the runtime (and what an entry point
 * returns when device work failed); the message is
 * recur_cuda_error_message(). */
#define RECUR_CUDA_DEVICE_ERROR (-2)

/* The text of this thread's last failure, "" before any. */
const char *recur_cuda_error_message(void);

/* Sets this thread's failure text (printf `format`) and returns `status`:
 * for the layers above that fail on their own. */
int recur_cuda_fail(int status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Launches a grid of grid_x * grid_y * grid_z blocks of block_x * block_y *
 * block_z threads on `stream`.
 *
 * `kernel` is the address of an int64_t[5]: the address of the module
 * image (a cubin, fatbin data, or NUL-terminated PTX: what
 * cuModuleLoadData takes), its byte count (for PTX, its NUL included), the
 * address of the NUL-terminated kernel name, the kernel's parameter count,
 * and the bytes of dynamic shared memory a block takes (above 48 KiB, the
 * kernel is opted in to them once per context, up to the device's
 * CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN). The image and
 * the name must stay valid and unchanged while the process runs: each
 * context loads an image once and finds its functions again by the
 * image's address and the name.
 *
 * `args` is the address of an int64_t[count][2]: per kernel parameter,
 * its value bits and its byte width, 4 or 8. A pointer (a device address;
 * a memref passed as a bare pointer) or an index is 8 bytes of value; an
 * i32 or an f32 (its bit pattern) is the low 4 bytes of the value.
 *
 * A grid with 0 blocks in any dimension launches nothing and succeeds;
 * negative counts, empty blocks, and counts above the device's or the
 * kernel's limits fail before anything is launched. Where the driver
 * reports parameter sizes (cuFuncGetParamInfo, CUDA 12.4), the count and
 * every width are checked against the kernel's. */
int recur_cuda_launch(int64_t kernel, int64_t grid_x, int64_t grid_y,
                      int64_t grid_z, int64_t block_x, int64_t block_y,
                      int64_t block_z, int64_t args, int64_t stream);

/* A device allocation of `bytes` (0 gives a small non-NULL one), ordered
 * on `stream` (cuMemAllocAsync): usable by the work queued on `stream`
 * after this call. NULL with the message set on failure. */
void *recur_cuda_malloc(uint64_t bytes, int64_t stream);

/* Frees an allocation of recur_cuda_malloc after the work queued on
 * `stream` before this call (cuMemFreeAsync). NULL is a no-op. A failure
 * sets the message only. */
void recur_cuda_free(void *pointer, int64_t stream);

/* Waits for the work queued on `stream` (cuStreamSynchronize). */
int recur_cuda_sync(int64_t stream);

/* Calls `entry` (a cuda-target entry point taking device buffers and a
 * stream; `function` is its info table) on host memory: allocates a
 * device buffer per nonempty buffer argument, copies every buffer in
 * (outputs too, so entries the call does not write keep their values),
 * calls `entry` on the legacy default stream, waits for it, copies the
 * outputs back and frees the device buffers. An empty buffer is passed as
 * NULL (entry points accept that), and so is a NULL host buffer (which
 * they refuse when it has bytes).
 * Sizes the entry point refuses (a negative dimension, an overflowing
 * size) call it with every buffer NULL, for its own status. Host buffers
 * are copied, so outputs overlapping other buffers in host memory are not
 * refused here as the cpu target's entry points refuse them. Returns the
 * entry point's status, or RECUR_CUDA_DEVICE_ERROR when the driver
 * failed. */
int recur_cuda_call_host(const recur_function_info *function,
                         const int64_t *dims, void *const *buffers,
                         int (*entry)(const int64_t *dims,
                                      void *const *device_buffers,
                                      int64_t stream));

/* 0 when the driver is loaded and the calling thread has a context (its
 * current one, or the primary context this sets current); else
 * RECUR_CUDA_DEVICE_ERROR with the message. Compiled entry points call it
 * before their first allocation or launch. */
int recur_cuda_check_context(void);

/* The stream of the calling thread's current entry point: compiled entry
 * points set it from their `stream` argument, and their launches,
 * temporaries and constants use it. */
void recur_cuda_set_stream(int64_t stream);
int64_t recur_cuda_stream(void);

/* The workspace of the calling thread's current entry point: compiled
 * entry points set it from their `workspace` argument. NULL: temporaries
 * are stream-ordered allocations. Otherwise `base` must be device memory
 * aligned to RECUR_CUDA_WORKSPACE_ALIGNMENT bytes; temporaries are carved
 * from it in order at that alignment, and one that would go past the end
 * of the device allocation holding `base` (or a misaligned `base`) fails
 * like a failed allocation, with the reason in recur_cuda_error_message():
 * nothing is written past it. The work of a call uses its workspace until
 * it has run on the call's stream: a workspace is not for two calls whose
 * work may overlap. */
#define RECUR_CUDA_WORKSPACE_ALIGNMENT 256
void recur_cuda_set_workspace(void *base);

/* A dry run of an entry point, for NAME_workspace_size: between the two
 * calls, no driver is needed or used; temporaries are counted (as the
 * workspace would hand them out) and get addresses nothing may read,
 * launches and constant uploads do nothing. Compiled host code only
 * passes device addresses on, so its dry run computes the sizes of a real
 * call. recur_cuda_measure_end returns the workspace bytes counted. */
void recur_cuda_measure_begin(void);
uint64_t recur_cuda_measure_end(void);

/* The temporaries of compiled code: carved from the current workspace (or
 * counted in a dry run), else recur_cuda_malloc and recur_cuda_free on the
 * current stream. */
void *recur_cuda_malloc_current(uint64_t bytes);
void recur_cuda_free_current(void *pointer);

/* Copies `bytes` of a constant of the model from host memory at `host` to
 * the device buffer `device` (after the work on the current stream, which
 * allocated it). */
int recur_cuda_upload(int64_t device, int64_t host, int64_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* RECUR_CUDA_CALLS_H */
