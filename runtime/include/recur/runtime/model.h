/*===- model.h - Weights and buffers of a compiled function ---------------===*
 *
 * Part of recur's runtime library. A header written by recur-compile
 * describes each exported function in a table, NAME_info (its dimensions,
 * its buffers with shapes, dtypes and checkpoint names, and a `call` that
 * takes them in arrays). With it a program loads a checkpoint without
 * naming any weight:
 *
 *   void *buffers[...] = {0};
 *   recur_st_file *file;
 *   recur_st_open("model.safetensors", &file, message, sizeof message);
 *   recur_load_weights(file, &model_info, buffers, message, sizeof message);
 *   ... set the other buffers, then model_info.call(dims, buffers) ...
 *   recur_free_weights(&model_info, buffers);
 *
 * The table's types are defined here and in every generated header, under
 * one guard, so both may be included in any order.
 *
 *===----------------------------------------------------------------------===*/

#ifndef RECUR_RUNTIME_MODEL_H
#define RECUR_RUNTIME_MODEL_H

#include "recur/runtime/checkpoint.h"
#include "recur/runtime/safetensors.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RECUR_FUNCTION_INFO
#define RECUR_FUNCTION_INFO
typedef struct recur_buffer_info {
  const char *name;
  const char *checkpoint_name; /* NULL when it has none */
  const char *dtype;           /* "f32", "bf16", "f16", ... */
  int is_output; /* 0 in, 1 out, 2 in and written in place */
  int rank;
  const int64_t *shape;
  /* 0, or N: a weight [N, shape[1]] packed in panels of shape[2]
     rows, row n's input k at [n / shape[2]][k][n % shape[2]], the
     rows past N zero (recur_pack_panels) */
  int64_t packed_rows;
} recur_buffer_info;

typedef struct recur_function_info {
  const char *name;
  int dim_count;
  const char *const *dims;
  int buffer_count;
  const recur_buffer_info *buffers;
  int (*call)(const int64_t *dims, void *const *buffers);
  const char *(*status_message)(int status);
} recur_function_info;
#endif /* RECUR_FUNCTION_INFO */

/* Bytes per element of a dtype of the tables ("f32": 4, "bf16": 2, ...),
 * or 0 for a name it does not know. */
size_t recur_dtype_bytes(const char *dtype);

/* The number of elements of `buffer` for the function's dimension values
 * `dims`, or -1 when a dimension is negative or the product overflows. */
int64_t recur_buffer_elements(const recur_buffer_info *buffer,
                              const int64_t *dims);

/* The bytes of `function`'s weights (its inputs with a checkpoint name)
 * in their dtypes: the memory recur_load_weights allocates for them; -1
 * when one has a dynamic dimension or an unknown dtype. */
int64_t recur_weights_bytes(const recur_function_info *function);

/* Packs `weight` [rows, inputs] (row-major, elements of `element_bytes`)
 * into `panels` [ceil(rows / panel_rows), inputs, panel_rows]: row n's
 * input k at [n / panel_rows][k][n % panel_rows], the rows past `rows`
 * zero. The layout of a buffer whose packed_rows is nonzero (rows =
 * packed_rows, inputs = shape[1], panel_rows = shape[2]); the loaders below
 * pack such weights themselves. */
void recur_pack_panels(const void *weight, size_t element_bytes,
                       int64_t rows, int64_t inputs, int64_t panel_rows,
                       void *panels);

/* The index of the buffer named `name`, or -1. */
int recur_find_buffer(const recur_function_info *function, const char *name);

/* For every input of `function` with a checkpoint name: checks that `file`
 * has that tensor with exactly the buffer's shape (a packed weight's: [N,
 * shape[1]], packed into the buffer), allocates the buffer,
 * and reads the tensor into it, converting F32/F16/BF16 data to the
 * buffer's dtype (f32, f16 or bf16; round to nearest even). buffers[i] is
 * set for those inputs and left alone for the others. On failure every
 * buffer this call allocated is freed (and set to NULL), the other slots
 * are left as they were (the weight that failed too), and `message` names
 * the tensor. A weight with a dynamic dimension or another dtype is
 * RECUR_ST_MISMATCH. A checkpoint name with a '*' (a mixture's experts,
 * stacked along dimension 0) names one tensor per index of dimension 0,
 * the index in place of the '*' ("mlp.experts.*.up_proj.weight": the
 * tensors "mlp.experts.0.up_proj.weight", ...), each of the rest of the
 * shape. */
recur_st_status recur_load_weights(const recur_st_file *file,
                                   const recur_function_info *function,
                                   void **buffers, char *message,
                                   size_t size);

/* The same from a checkpoint (checkpoint.h: one file, or the shards of an
 * index): each weight from the shard that holds it; a weight in no file is
 * RECUR_ST_NOT_FOUND. */
recur_st_status recur_load_checkpoint(const recur_checkpoint *checkpoint,
                                      const recur_function_info *function,
                                      void **buffers, char *message,
                                      size_t size);

/* Frees the buffers recur_load_weights or recur_load_checkpoint allocated
 * (and sets them to NULL). */
void recur_free_weights(const recur_function_info *function, void **buffers);

/* As recur_load_weights / recur_load_checkpoint, but without copying where
 * it can: a weight whose tensor has exactly the buffer's dtype and shape
 * (not a stacked one), its data aligned to the element size, points into
 * the file's read-only mapping (the compiled functions never write their
 * inputs); the others are allocated and converted as those do. The memory
 * a bf16 model takes is then its pages of the files the kernel keeps. The
 * file or checkpoint must stay open while the buffers are used, and they
 * are released with recur_release_weights / recur_release_checkpoint (not
 * recur_free_weights) before it is closed. */
recur_st_status recur_map_weights(const recur_st_file *file,
                                  const recur_function_info *function,
                                  void **buffers, char *message, size_t size);
recur_st_status recur_map_checkpoint(const recur_checkpoint *checkpoint,
                                     const recur_function_info *function,
                                     void **buffers, char *message,
                                     size_t size);

/* Frees the copies among the buffers recur_map_weights /
 * recur_map_checkpoint set from `file` / `checkpoint` and forgets the
 * mapped ones (all set to NULL). */
void recur_release_weights(const recur_st_file *file,
                           const recur_function_info *function,
                           void **buffers);
void recur_release_checkpoint(const recur_checkpoint *checkpoint,
                              const recur_function_info *function,
                              void **buffers);

#ifdef __cplusplus
}
#endif

#endif /* RECUR_RUNTIME_MODEL_H */
