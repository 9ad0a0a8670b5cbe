/* The calls of code compiled for the vulkan target (vulkan_calls.h), over
 * the runtime's context, buffers and dispatches (vulkan.h). */
#include "recur/vulkan_calls.h"

#include "recur/vulkan.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { kArgFields = 5, kPackedScalars = -1 };

/* Buffers released since the last sync, destroyed at the next one. */
static pthread_mutex_t released_lock = PTHREAD_MUTEX_INITIALIZER;
static recur_vk_buffer **released;
static size_t released_count, released_capacity;
/* Bound in place of a NULL handle (an empty buffer). */
static recur_vk_buffer *empty_buffer;

static recur_vk_context *context(int *status) {
  return recur_vk_default_context(status);
}

int recur_vk_launch(int64_t kernel_address, int64_t groups_x,
                    int64_t groups_y, int64_t groups_z, int64_t args_address) {
  int status = 0;
  recur_vk_context *ctx = context(&status);
  if (!ctx)
    return status ? status : RECUR_VK_DEVICE_ERROR;
  const int64_t *k = (const int64_t *)(intptr_t)kernel_address;
  const int64_t *a = (const int64_t *)(intptr_t)args_address;
  recur_vk_kernel kernel = {(const uint32_t *)(intptr_t)k[0], (uint64_t)k[1],
                            (const char *)(intptr_t)k[2], (uint32_t)k[3],
                            (uint64_t)k[4]};
  int64_t groups[3] = {groups_x, groups_y, groups_z};
  for (int i = 0; i < 3; ++i)
    if (groups[i] < 0 || groups[i] > UINT32_MAX)
      return recur_vk_fail(RECUR_VK_DEVICE_ERROR,
                           "%s: a group count of %lld is out of range",
                           kernel.entry, (long long)groups[i]);
  recur_vk_arg *args = calloc(kernel.num_args ? kernel.num_args : 1,
                              sizeof *args);
  if (!args)
    return recur_vk_fail(RECUR_VK_DEVICE_ERROR, "out of host memory");
  for (uint32_t i = 0; i < kernel.num_args; ++i) {
    const int64_t *field = a + (size_t)i * kArgFields;
    if (field[4] == kPackedScalars) {
      args[i].data = (const void *)(intptr_t)field[1];
      args[i].size = (uint64_t)field[2];
      continue;
    }
    if (field[4] == 0) {
      recur_vk_buffer *buffer = (recur_vk_buffer *)(intptr_t)field[0];
      if (!buffer) {
        pthread_mutex_lock(&released_lock);
        if (!empty_buffer)
          status = recur_vk_buffer_create(ctx, 4, &empty_buffer);
        buffer = empty_buffer;
        pthread_mutex_unlock(&released_lock);
        if (status) {
          free(args);
          return status;
        }
      }
      args[i].buffer = buffer;
      args[i].offset = (uint64_t)field[1];
      args[i].size = (uint64_t)field[2];
      continue;
    }
    if (field[4] == 4 && (field[3] < INT32_MIN || field[3] > INT32_MAX)) {
      free(args);
      return recur_vk_fail(RECUR_VK_DEVICE_ERROR,
                           "%s: the size or index %lld does not fit the "
                           "32-bit indices of the vulkan target",
                           kernel.entry, (long long)field[3]);
    }
    args[i].scalar = field[3];
    args[i].scalar_bytes = (uint32_t)field[4];
  }
  status = recur_vk_dispatch(ctx, &kernel, (uint32_t)groups_x,
                             (uint32_t)groups_y, (uint32_t)groups_z, args);
  free(args);
  return status;
}

int recur_vk_check_index(int64_t value) {
  if (value >= INT32_MIN && value <= INT32_MAX)
    return 0;
  return recur_vk_fail(RECUR_VK_DEVICE_ERROR,
                       "the size or index %lld does not fit the 32-bit "
                       "indices of the vulkan target",
                       (long long)value);
}

int recur_vk_sync(void) {
  int status = 0;
  recur_vk_context *ctx = context(&status);
  if (!ctx)
    return status ? status : RECUR_VK_DEVICE_ERROR;
  status = recur_vk_finish(ctx);
  pthread_mutex_lock(&released_lock);
  for (size_t i = 0; i < released_count; ++i)
    recur_vk_buffer_destroy(ctx, released[i]);
  released_count = 0;
  pthread_mutex_unlock(&released_lock);
  return status;
}

int recur_vk_upload(int64_t buffer, int64_t host, int64_t bytes) {
  int status = 0;
  recur_vk_context *ctx = context(&status);
  if (!ctx)
    return status ? status : RECUR_VK_DEVICE_ERROR;
  if (bytes < 0)
    return recur_vk_fail(RECUR_VK_DEVICE_ERROR, "a constant of %lld bytes",
                         (long long)bytes);
  return recur_vk_buffer_write(ctx, (recur_vk_buffer *)(intptr_t)buffer, 0,
                               (const void *)(intptr_t)host, (uint64_t)bytes);
}

void *recur_vk_malloc(uint64_t bytes) {
  int status = 0;
  recur_vk_context *ctx = context(&status);
  recur_vk_buffer *buffer = NULL;
  if (!ctx || recur_vk_buffer_create(ctx, bytes, &buffer) != 0)
    return NULL;
  return buffer;
}

void recur_vk_free(void *buffer) {
  if (!buffer)
    return;
  pthread_mutex_lock(&released_lock);
  if (released_count == released_capacity) {
    size_t capacity = released_capacity ? 2 * released_capacity : 16;
    recur_vk_buffer **grown = realloc(released, capacity * sizeof *grown);
    if (!grown) {
      /* Leak rather than destroy a buffer the device may still use. */
      pthread_mutex_unlock(&released_lock);
      return;
    }
    released = grown;
    released_capacity = capacity;
  }
  released[released_count++] = buffer;
  pthread_mutex_unlock(&released_lock);
}

int recur_vk_call_host(const recur_function_info *function,
                       const int64_t *dims, void *const *buffers) {
  int count = function->buffer_count;
  void **handles = calloc(count ? (size_t)count : 1, sizeof *handles);
  uint64_t *bytes = calloc(count ? (size_t)count : 1, sizeof *bytes);
  int status = 0;
  recur_vk_context *ctx = NULL;
  if (!handles || !bytes) {
    status = recur_vk_fail(RECUR_VK_DEVICE_ERROR, "out of host memory");
    goto done;
  }
  for (int i = 0; i < count; ++i) {
    const recur_buffer_info *info = &function->buffers[i];
    int64_t elements = recur_buffer_elements(info, dims);
    size_t element_bytes = recur_dtype_bytes(info->dtype);
    if (elements < 0 || (element_bytes && (uint64_t)elements >
                                              UINT64_MAX / element_bytes)) {
      /* Sizes the entry point refuses: it returns its own status. */
      free(handles);
      free(bytes);
      void **none = calloc(count ? (size_t)count : 1, sizeof *none);
      if (!none)
        return recur_vk_fail(RECUR_VK_DEVICE_ERROR, "out of host memory");
      status = function->call(dims, none);
      free(none);
      return status;
    }
    bytes[i] = (uint64_t)elements * element_bytes;
  }
  ctx = context(&status);
  if (!ctx) {
    status = status ? status : RECUR_VK_DEVICE_ERROR;
    goto done;
  }
  for (int i = 0; i < count && status == 0; ++i) {
    if (bytes[i] == 0 || !buffers[i])
      continue; /* NULL: the entry point checks it */
    recur_vk_buffer *buffer = NULL;
    if (recur_vk_buffer_create(ctx, bytes[i], &buffer) != 0 ||
        recur_vk_buffer_write(ctx, buffer, 0, buffers[i], bytes[i]) != 0)
      status = RECUR_VK_DEVICE_ERROR;
    handles[i] = buffer;
  }
  if (status == 0)
    status = function->call(dims, handles);
  for (int i = 0; i < count && status == 0; ++i)
    if (handles[i] && function->buffers[i].is_output &&
        recur_vk_buffer_read(ctx, handles[i], 0, buffers[i], bytes[i]) != 0)
      status = RECUR_VK_DEVICE_ERROR;
done:
  if (ctx && handles) {
    recur_vk_finish(ctx);
    for (int i = 0; i < count; ++i)
      if (handles[i])
        recur_vk_buffer_destroy(ctx, handles[i]);
  }
  free(handles);
  free(bytes);
  return status;
}
