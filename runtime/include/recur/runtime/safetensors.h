/*===- safetensors.h - Reading checkpoints in the safetensors format -------===*
 *
 * Part of recur's runtime library (C11, no dependency beyond libc): opens a
 * .safetensors file, validates all of it before anything is read, and reads
 * the tensors a compiled model expects, checked by name, shape and dtype,
 * into f32 buffers (f16 and bf16 converted).
 *
 * The format: an 8-byte little-endian header length N, N bytes of JSON
 * mapping each tensor name to {"dtype", "shape", "data_offsets": [begin,
 * end]} (plus an optional "__metadata__" object of strings), then the data.
 * The offsets are relative to the data, whose bytes every tensor covers
 * exactly once, in any order, with no holes.
 *
 * Every failure is a status code and, where a message buffer is given, one
 * line that names the byte, key or tensor at fault. A malformed or
 * truncated file is never read out of bounds.
 *
 *===----------------------------------------------------------------------===*/

#ifndef RECUR_RUNTIME_SAFETENSORS_H
#define RECUR_RUNTIME_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  RECUR_ST_OK = 0,
  RECUR_ST_IO_ERROR = 1,   /* the file cannot be opened, sized or mapped */
  RECUR_ST_TRUNCATED = 2,  /* it ends before its header or data does */
  RECUR_ST_BAD_HEADER = 3, /* the header's length or JSON is malformed */
  RECUR_ST_BAD_TENSOR = 4, /* an entry's dtype, shape or offsets */
  RECUR_ST_NOT_FOUND = 5,  /* no tensor of the name asked for */
  RECUR_ST_MISMATCH = 6,   /* a tensor's shape or dtype is not the one asked */
  RECUR_ST_NO_MEMORY = 7,
} recur_st_status;

typedef enum {
  RECUR_ST_BOOL,
  RECUR_ST_U8,
  RECUR_ST_I8,
  RECUR_ST_F8_E4M3,
  RECUR_ST_F8_E5M2,
  RECUR_ST_U16,
  RECUR_ST_I16,
  RECUR_ST_F16,
  RECUR_ST_BF16,
  RECUR_ST_U32,
  RECUR_ST_I32,
  RECUR_ST_F32,
  RECUR_ST_U64,
  RECUR_ST_I64,
  RECUR_ST_F64,
} recur_st_dtype;

/* The most dimensions a tensor may have. */
#define RECUR_ST_MAX_RANK 16

typedef struct {
  const char *name; /* UTF-8, NUL-terminated; owned by the file */
  recur_st_dtype dtype;
  int rank;
  int64_t shape[RECUR_ST_MAX_RANK];
  const void *data; /* in the file's data; not aligned */
  uint64_t bytes;
} recur_st_tensor;

typedef struct recur_st_file recur_st_file;

/* Opens and validates the file at `path` (mapped, not read into memory).
 * On failure `*file` is NULL and `message` (when not NULL) holds `size`
 * bytes at most of the reason, NUL-terminated. */
recur_st_status recur_st_open(const char *path, recur_st_file **file,
                              char *message, size_t size);

/* The same for `length` bytes in memory, which the file borrows: they
 * must outlive it. */
recur_st_status recur_st_parse(const void *bytes, size_t length,
                               recur_st_file **file, char *message,
                               size_t size);

/* Frees the file (and unmaps it); NULL is ignored. */
void recur_st_close(recur_st_file *file);

/* The tensors, in the order of their data. */
size_t recur_st_count(const recur_st_file *file);
const recur_st_tensor *recur_st_at(const recur_st_file *file, size_t index);

/* The tensor named `name`, or NULL. */
const recur_st_tensor *recur_st_find(const recur_st_file *file,
                                     const char *name);

/* Checks that the tensor `name` exists, has exactly the `rank` dimensions
 * `shape` and a floating dtype recur reads (F32, F16 or BF16), and writes
 * its elements to `dest` (row-major) as f32. */
recur_st_status recur_st_read_f32(const recur_st_file *file, const char *name,
                                  int rank, const int64_t *shape, float *dest,
                                  char *message, size_t size);

/* The index of a sharded checkpoint (model.safetensors.index.json):
 * {"metadata": ..., "weight_map": {TENSOR: SHARD FILE NAME, ...}}, each
 * tensor once, each shard a file name (no '/'). Parsed from `length` bytes
 * (not kept); failures as above. */
typedef struct recur_st_index recur_st_index;
recur_st_status recur_st_parse_index(const void *bytes, size_t length,
                                     recur_st_index **index, char *message,
                                     size_t size);
void recur_st_index_free(recur_st_index *index);
/* Its entries, sorted by tensor name. */
size_t recur_st_index_count(const recur_st_index *index);
const char *recur_st_index_tensor(const recur_st_index *index, size_t i);
const char *recur_st_index_shard(const recur_st_index *index, size_t i);
/* The shard of `tensor`, or NULL. */
const char *recur_st_index_find(const recur_st_index *index,
                                const char *tensor);

/* "F32", "BF16", ...; "OK", "TRUNCATED", ... */
const char *recur_st_dtype_name(recur_st_dtype dtype);
const char *recur_st_status_name(recur_st_status status);

#ifdef __cplusplus
}
#endif

#endif /* RECUR_RUNTIME_SAFETENSORS_H */
