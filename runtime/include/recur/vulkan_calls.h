/* What code compiled with `recur-compile --target=vulkan` calls: kernel
 * launches, the end of a call's work, device allocations, and the
 * NAME_host convenience entries of its header. All of them use the
 * process-wide default context (recur_vk_default_context). */
#ifndef RECUR_VULKAN_CALLS_H
#define RECUR_VULKAN_CALLS_H

#include "recur/runtime/model.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The status an entry point returns when device work failed; the message
 * is recur_vk_error_message(). */
#define RECUR_VK_DEVICE_ERROR (-2)

/* Records one dispatch. `kernel` is the address of an int64_t[5]: the
 * kernel's SPIR-V words, their byte count, its NUL-terminated entry name,
 * its argument count and the bytes of shared memory it declares; `args` the address of an int64_t[count][5]: per
 * argument, {buffer handle, byte offset, byte size (0: to the end), 0, 0};
 * {0, host address, byte size, 0, -1} for the kernel's packed scalars
 * (copied at the call); or {0, 0, 0, bits, byte width} for a scalar of its
 * own (4-byte scalars are the kernels' 32-bit indices and must fit).
 * Returns 0, or nonzero with the message set. */
int recur_vk_launch(int64_t kernel, int64_t groups_x, int64_t groups_y,
                    int64_t groups_z, int64_t args);

/* 0 when `value` fits the kernels' 32-bit indices; else nonzero, with the
 * message set. */
int recur_vk_check_index(int64_t value);

/* Runs what was recorded, waits for it, and frees the buffers released
 * since the last sync. */
int recur_vk_sync(void);

/* Copies `bytes` from host memory at `host` (a constant of the model) to
 * the start of the device buffer `buffer` (from recur_vk_malloc), in order
 * with the work recorded so far. */
int recur_vk_upload(int64_t buffer, int64_t host, int64_t bytes);

/* A device buffer of `bytes` for a call's temporary (its handle), or NULL
 * with the message set. */
void *recur_vk_malloc(uint64_t bytes);

/* Releases a buffer from recur_vk_malloc: it is destroyed at the next
 * recur_vk_sync, after the work that uses it. */
void recur_vk_free(void *buffer);

/* Calls `function` (a vulkan-target entry point, through its info table)
 * on host memory: creates a device buffer per buffer argument, copies
 * every buffer in (outputs too, so entries the call does not write keep
 * their values), calls, copies the outputs back and frees the buffers.
 * Returns the entry point's status, or RECUR_VK_DEVICE_ERROR. */
int recur_vk_call_host(const recur_function_info *function,
                       const int64_t *dims, void *const *buffers);

#ifdef __cplusplus
}
#endif

#endif /* RECUR_VULKAN_CALLS_H */
