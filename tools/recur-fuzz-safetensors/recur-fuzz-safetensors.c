/*===- recur-fuzz-safetensors.c - libFuzzer target of the safetensors reader ===*
 *
 * Parses each input as a safetensors file in memory and reads every float
 * tensor it accepts (up to 1 MiB) with its own shape: the reader must
 * refuse or read, never crash or read out of bounds (ASan). Run by
 * `bash scripts/fuzz.sh --safetensors`.
 *
 *===----------------------------------------------------------------------===*/

#include "recur/runtime/safetensors.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  recur_st_file *file;
  char message[256];
  if (recur_st_parse(data, size, &file, message, sizeof message))
    return 0;
  for (size_t i = 0; i < recur_st_count(file); ++i) {
    const recur_st_tensor *tensor = recur_st_at(file, i);
    if (tensor->bytes > (1u << 20))
      continue;
    float *values = malloc(tensor->bytes * 2 + sizeof(float));
    if (!values)
      continue;
    recur_st_read_f32(file, tensor->name, tensor->rank, tensor->shape, values,
                      message, sizeof message);
    free(values);
  }
  recur_st_close(file);
  return 0;
}
