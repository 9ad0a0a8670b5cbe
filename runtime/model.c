/*===- model.c - Weights and buffers of a compiled function ---------------===*
 *
 * recur_load_weights and the helpers of recur/runtime/model.h.
 *
 *===----------------------------------------------------------------------===*/

#include "recur/runtime/model.h"

#include "report.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t recur_dtype_bytes(const char *dtype) {
  static const struct {
    const char *name;
    size_t bytes;
  } sizes[] = {{"f64", 8}, {"f32", 4}, {"f16", 2}, {"bf16", 2}, {"i64", 8},
               {"i32", 4}, {"i16", 2}, {"i8", 1},  {"u64", 8},  {"u32", 4},
               {"u16", 2}, {"u8", 1},  {"i1", 1}};
  for (size_t i = 0; dtype && i < sizeof sizes / sizeof sizes[0]; ++i)
    if (strcmp(dtype, sizes[i].name) == 0)
      return sizes[i].bytes;
  return 0;
}

int64_t recur_buffer_elements(const recur_buffer_info *buffer,
                              const int64_t *dims) {
  int64_t count = 1;
  for (int d = 0; d < buffer->rank; ++d) {
    int64_t size = buffer->shape[d];
    if (size < 0)
      size = dims[-1 - size];
    if (size < 0 || (size > 0 && count > INT64_MAX / size))
      return -1;
    count *= size;
  }
  return count;
}

int64_t recur_weights_bytes(const recur_function_info *function) {
  int64_t total = 0;
  for (int i = 0; i < function->buffer_count; ++i) {
    const recur_buffer_info *buffer = &function->buffers[i];
    if (buffer->is_output || !buffer->checkpoint_name)
      continue;
    int64_t count = 1;
    for (int d = 0; d < buffer->rank; ++d) {
      if (buffer->shape[d] < 0)
        return -1;
      count *= buffer->shape[d];
    }
    size_t bytes = recur_dtype_bytes(buffer->dtype);
    if (!bytes)
      return -1;
    total += count * (int64_t)bytes;
  }
  return total;
}

void recur_pack_panels(const void *weight, size_t element_bytes,
                       int64_t rows, int64_t inputs, int64_t panel_rows,
                       void *panels) {
  int64_t panelCount = (rows + panel_rows - 1) / panel_rows;
  const char *from = weight;
  char *to = panels;
  for (int64_t p = 0; p < panelCount; ++p)
    for (int64_t k = 0; k < inputs; ++k)
      for (int64_t r = 0; r < panel_rows; ++r) {
        int64_t n = p * panel_rows + r;
        char *element = to + ((p * inputs + k) * panel_rows + r) * element_bytes;
        if (n < rows)
          memcpy(element, from + (n * inputs + k) * element_bytes,
                 element_bytes);
        else
          memset(element, 0, element_bytes);
      }
}

int recur_find_buffer(const recur_function_info *function, const char *name) {
  for (int i = 0; i < function->buffer_count; ++i)
    if (strcmp(function->buffers[i].name, name) == 0)
      return i;
  return -1;
}

/* f32 to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
static uint16_t toBFloat16(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t)((bits >> 16) | 0x40);
  return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
}

/* f32 to IEEE half bits, rounding to nearest even: overflow to infinity,
 * subnormals, NaN stays NaN. */
static uint16_t toHalf(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
  uint32_t exponent = (bits >> 23) & 0xff, mantissa = bits & 0x7fffff;
  if (exponent == 0xff)
    return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >> 13) : 0);
  int e = (int)exponent - 127 + 15;
  if (e >= 31)
    return sign | 0x7c00;
  uint32_t significand, shift;
  if (e >= 1) { /* normal: the exponent's carry handles rounding up */
    significand = (uint32_t)e << 10 | mantissa >> 13;
    shift = 13;
    mantissa &= 0x1fff;
  } else { /* subnormal or zero */
    if (e < -10)
      return sign;
    uint32_t full = mantissa | 0x800000;
    shift = (uint32_t)(14 - e);
    significand = full >> shift;
    mantissa = full & ((1u << shift) - 1);
  }
  uint32_t half = 1u << (shift - 1);
  if (mantissa > half || (mantissa == half && (significand & 1)))
    ++significand;
  return sign | (uint16_t)significand;
}


/* Where a checkpoint's tensors are: the file that holds a name (from
 * `source`); NULL: none. */
typedef const recur_st_file *(*FileOf)(const void *source, const char *name);

/* Reads the tensor `name` of `shape` [rank] as f32 into `values`. */
static recur_st_status readTensor(const void *source, FileOf fileOf,
                                  const recur_buffer_info *buffer,
                                  const char *name, int rank,
                                  const int64_t *shape, float *values,
                                  char *message, size_t size) {
  const recur_st_file *file = fileOf(source, name);
  if (!file)
    return recur_report(message, size, RECUR_ST_NOT_FOUND,
                        "weight '%s' ('%s') is in no file of the checkpoint",
                        buffer->name, name);
  return recur_st_read_f32(file, name, rank, shape, values, message, size);
}

/* Reads a weight stacked from tensors of one shape (a mixture's experts):
 * the checkpoint name has one '*', each index of dimension 0 in its place
 * names that slice's tensor. */
static recur_st_status readStacked(const void *source, FileOf fileOf,
                                   const recur_buffer_info *buffer,
                                   int64_t elements, float *values,
                                   char *message, size_t size) {
  const char *name = buffer->checkpoint_name;
  const char *star = strchr(name, '*');
  if (strchr(star + 1, '*') || buffer->rank < 1)
    return recur_report(message, size, RECUR_ST_MISMATCH,
                        "weight '%s' ('%s'): a stacked weight has one '*' "
                        "and a dimension to stack along",
                        buffer->name, name);
  int64_t count = buffer->shape[0];
  int64_t slice = count ? elements / count : 0;
  /* The name with a decimal int64 in place of the '*'. */
  size_t length = strlen(name) + 21;
  char *sliceName = malloc(length);
  if (!sliceName)
    return recur_report(message, size, RECUR_ST_NO_MEMORY,
                        "out of memory for weight '%s'", buffer->name);
  recur_st_status status = RECUR_ST_OK;
  for (int64_t i = 0; i < count && status == RECUR_ST_OK; ++i) {
    snprintf(sliceName, length, "%.*s%lld%s", (int)(star - name), name,
             (long long)i, star + 1);
    status = readTensor(source, fileOf, buffer, sliceName, buffer->rank - 1,
                        buffer->shape + 1, values + i * slice, message,
                        size);
  }
  free(sliceName);
  return status;
}

/* Reads the weight [packed_rows, shape[1]] of a buffer packed in panels
 * (recur_pack_panels) as f32 into `values`, the buffer's elements. */
static recur_st_status readPacked(const void *source, FileOf fileOf,
                                  const recur_buffer_info *buffer,
                                  float *values, char *message,
                                  size_t size) {
  if (buffer->rank != 3 || strchr(buffer->checkpoint_name, '*') ||
      buffer->shape[2] < 1 ||
      buffer->shape[0] !=
          (buffer->packed_rows + buffer->shape[2] - 1) / buffer->shape[2])
    return recur_report(message, size, RECUR_ST_MISMATCH,
                        "weight '%s' ('%s'): packed rows %lld do not fit "
                        "its panels",
                        buffer->name, buffer->checkpoint_name,
                        (long long)buffer->packed_rows);
  int64_t shape[2] = {buffer->packed_rows, buffer->shape[1]};
  float *weight = malloc((size_t)(shape[0] * shape[1]) * sizeof(float) + 1);
  if (!weight)
    return recur_report(message, size, RECUR_ST_NO_MEMORY,
                        "out of memory for weight '%s'", buffer->name);
  recur_st_status status =
      readTensor(source, fileOf, buffer, buffer->checkpoint_name, 2, shape,
                 weight, message, size);
  if (status == RECUR_ST_OK)
    recur_pack_panels(weight, sizeof(float), shape[0], shape[1],
                      buffer->shape[2], values);
  free(weight);
  return status;
}

/* The tensor data `buffer` may point at instead of a copy: the tensor its
 * (unstacked) checkpoint name names, of exactly its dtype and shape, its
 * data aligned to the element size; else NULL. */
static const void *mappable(const void *source, FileOf fileOf,
                            const recur_buffer_info *buffer) {
  static const struct {
    const char *name;
    recur_st_dtype dtype;
  } dtypes[] = {{"f32", RECUR_ST_F32}, {"bf16", RECUR_ST_BF16},
                {"f16", RECUR_ST_F16}};
  if (strchr(buffer->checkpoint_name, '*') || buffer->packed_rows)
    return NULL;
  const recur_st_file *file = fileOf(source, buffer->checkpoint_name);
  const recur_st_tensor *tensor =
      file ? recur_st_find(file, buffer->checkpoint_name) : NULL;
  if (!tensor || tensor->rank != buffer->rank)
    return NULL;
  bool same = false;
  for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; ++i)
    same |= strcmp(buffer->dtype, dtypes[i].name) == 0 &&
            tensor->dtype == dtypes[i].dtype;
  for (int d = 0; same && d < buffer->rank; ++d)
    same = tensor->shape[d] == buffer->shape[d];
  size_t bytes = recur_dtype_bytes(buffer->dtype);
  if (!same || (uintptr_t)tensor->data % bytes)
    return NULL;
  return tensor->data;
}

/* Reads one weight into a new buffer of its dtype; with `map`, points it
 * at the file's data instead where that is `mappable`. */
static recur_st_status loadWeight(const void *source, FileOf fileOf,
                                  const recur_buffer_info *buffer, bool map,
                                  void **slot, char *message, size_t size) {
  for (int d = 0; d < buffer->rank; ++d)
    if (buffer->shape[d] < 0)
      return recur_report(message, size, RECUR_ST_MISMATCH,
                  "weight '%s' ('%s') has a dynamic dimension", buffer->name,
                  buffer->checkpoint_name);
  bool f32 = strcmp(buffer->dtype, "f32") == 0;
  bool bf16 = strcmp(buffer->dtype, "bf16") == 0;
  bool f16 = strcmp(buffer->dtype, "f16") == 0;
  if (!f32 && !bf16 && !f16)
    return recur_report(message, size, RECUR_ST_MISMATCH,
                "weight '%s' ('%s') is %s; only f32, bf16 and f16 are read",
                buffer->name, buffer->checkpoint_name, buffer->dtype);
  const void *data = map ? mappable(source, fileOf, buffer) : NULL;
  if (data) {
    /* Read-only: the compiled functions never write their inputs. */
    *slot = (void *)data;
    return RECUR_ST_OK;
  }
  int64_t count = recur_buffer_elements(buffer, NULL);
  if (count < 0 || (uint64_t)count > SIZE_MAX / sizeof(float))
    return recur_report(message, size, RECUR_ST_NO_MEMORY,
                "weight '%s' is too large", buffer->name);
  float *values = malloc(count ? (size_t)count * sizeof(float) : 1);
  if (!values)
    return recur_report(message, size, RECUR_ST_NO_MEMORY,
                "out of memory for weight '%s'", buffer->name);
  recur_st_status status =
      buffer->packed_rows
          ? readPacked(source, fileOf, buffer, values, message, size)
      : strchr(buffer->checkpoint_name, '*')
          ? readStacked(source, fileOf, buffer, count, values, message, size)
          : readTensor(source, fileOf, buffer, buffer->checkpoint_name,
                       buffer->rank, buffer->shape, values, message, size);
  if (status != RECUR_ST_OK || f32) {
    if (status != RECUR_ST_OK)
      free(values);
    else
      *slot = values;
    return status;
  }
  /* Narrow in place: element i's 2 bytes never pass element i's 4. */
  for (int64_t i = 0; i < count; ++i) {
    uint16_t bits = bf16 ? toBFloat16(values[i]) : toHalf(values[i]);
    memcpy((char *)values + 2 * i, &bits, sizeof bits);
  }
  *slot = values;
  return RECUR_ST_OK;
}

/* Frees the weights among the first `count` buffers of `function` that
 * do not point at their file's data (with `map`, those are not copies),
 * and sets every one to NULL. */
static void releaseWeights(const void *source, FileOf fileOf, bool map,
                           const recur_function_info *function,
                           void **buffers, int count) {
  for (int i = 0; i < count; ++i) {
    const recur_buffer_info *buffer = &function->buffers[i];
    if (buffer->is_output || !buffer->checkpoint_name)
      continue;
    if (!map || buffers[i] != mappable(source, fileOf, buffer))
      free(buffers[i]);
    buffers[i] = NULL;
  }
}

/* Loads every weight of `function` from the files `fileOf` gives for its
 * checkpoint names (from `source`), mapped where it can be with `map`. */
static recur_st_status loadWeights(const void *source, FileOf fileOf,
                                   bool map,
                                   const recur_function_info *function,
                                   void **buffers, char *message,
                                   size_t size) {
  for (int i = 0; i < function->buffer_count; ++i) {
    const recur_buffer_info *buffer = &function->buffers[i];
    if (buffer->is_output || !buffer->checkpoint_name)
      continue;
    recur_st_status status = loadWeight(source, fileOf, buffer, map,
                                        &buffers[i], message, size);
    if (status != RECUR_ST_OK) {
      /* Only the weights this call loaded, before buffer i: the caller's
         other slots may hold anything. */
      releaseWeights(source, fileOf, map, function, buffers, i);
      return status;
    }
  }
  return RECUR_ST_OK;
}

static const recur_st_file *theFile(const void *file, const char *name) {
  (void)name;
  return file;
}

recur_st_status recur_load_weights(const recur_st_file *file,
                                   const recur_function_info *function,
                                   void **buffers, char *message,
                                   size_t size) {
  return loadWeights(file, theFile, false, function, buffers, message, size);
}

recur_st_status recur_map_weights(const recur_st_file *file,
                                  const recur_function_info *function,
                                  void **buffers, char *message,
                                  size_t size) {
  return loadWeights(file, theFile, true, function, buffers, message, size);
}

void recur_release_weights(const recur_st_file *file,
                           const recur_function_info *function,
                           void **buffers) {
  releaseWeights(file, theFile, true, function, buffers,
                 function->buffer_count);
}

static const recur_st_file *shardOf(const void *checkpoint,
                                    const char *name) {
  return recur_checkpoint_file(checkpoint, name);
}

recur_st_status recur_load_checkpoint(const recur_checkpoint *checkpoint,
                                      const recur_function_info *function,
                                      void **buffers, char *message,
                                      size_t size) {
  return loadWeights(checkpoint, shardOf, false, function, buffers, message,
                     size);
}

recur_st_status recur_map_checkpoint(const recur_checkpoint *checkpoint,
                                     const recur_function_info *function,
                                     void **buffers, char *message,
                                     size_t size) {
  return loadWeights(checkpoint, shardOf, true, function, buffers, message,
                     size);
}

void recur_release_checkpoint(const recur_checkpoint *checkpoint,
                              const recur_function_info *function,
                              void **buffers) {
  releaseWeights(checkpoint, shardOf, true, function, buffers,
                 function->buffer_count);
}

void recur_free_weights(const recur_function_info *function, void **buffers) {
  releaseWeights(NULL, NULL, false, function, buffers,
                 function->buffer_count);
}
