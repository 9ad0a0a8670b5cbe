/*===- recur-safetensors.c - Checks and reads a safetensors file -----------===*
 *
 *   recur-safetensors FILE               validates FILE and lists its
 *                                        tensors: name, dtype, shape, bytes
 *   recur-safetensors FILE NAME [DIM...] checks that tensor NAME has
 *                                        exactly the shape DIM... (none: a
 *                                        scalar) and a float dtype, and
 *                                        prints its elements as f32, one
 *                                        per line
 *
 * On a bad file or tensor it prints "recur-safetensors: FILE: STATUS:
 * reason" and exits with 1 (2 for a bad command line). A thin shell over
 * the runtime's reader (runtime/include/recur/runtime/safetensors.h), used
 * by the tests and to inspect checkpoints.
 *
 *===----------------------------------------------------------------------===*/

#include "recur/runtime/safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int usage(void) {
  fprintf(stderr, "usage: recur-safetensors FILE [NAME [DIM...]]\n");
  return 2;
}

static int report(const char *path, recur_st_status status,
                  const char *message) {
  fprintf(stderr, "recur-safetensors: %s: %s: %s\n", path,
          recur_st_status_name(status), message);
  return 1;
}

static void list(const recur_st_file *file) {
  for (size_t i = 0; i < recur_st_count(file); ++i) {
    const recur_st_tensor *tensor = recur_st_at(file, i);
    printf("%s %s [", tensor->name, recur_st_dtype_name(tensor->dtype));
    for (int d = 0; d < tensor->rank; ++d)
      printf("%s%" PRId64, d ? ", " : "", tensor->shape[d]);
    printf("] %" PRIu64 "\n", tensor->bytes);
  }
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage();
  int rank = argc - 3;
  if (rank > RECUR_ST_MAX_RANK)
    return usage();
  int64_t shape[RECUR_ST_MAX_RANK];
  size_t count = 1;
  for (int d = 0; d < rank; ++d) {
    char *end;
    errno = 0;
    long long dim = strtoll(argv[3 + d], &end, 10);
    if (errno || *end || end == argv[3 + d] || dim < 0 ||
        (dim && count > (SIZE_MAX / sizeof(float)) / (size_t)dim))
      return usage();
    shape[d] = dim;
    count *= (size_t)dim;
  }

  char message[512];
  recur_st_file *file;
  recur_st_status status =
      recur_st_open(argv[1], &file, message, sizeof message);
  if (status)
    return report(argv[1], status, message);
  if (argc == 2) {
    list(file);
    recur_st_close(file);
    return 0;
  }
  float *values = malloc((count ? count : 1) * sizeof(float));
  if (!values) {
    recur_st_close(file);
    return report(argv[1], RECUR_ST_NO_MEMORY, "out of memory");
  }
  status = recur_st_read_f32(file, argv[2], rank < 0 ? 0 : rank, shape,
                             values, message, sizeof message);
  recur_st_close(file);
  if (status) {
    free(values);
    return report(argv[1], status, message);
  }
  for (size_t i = 0; i < count; ++i)
    printf("%.9g\n", values[i]);
  free(values);
  return 0;
}
