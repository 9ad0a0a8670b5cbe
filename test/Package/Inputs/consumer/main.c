/* test/Package/install.test: loads the weights of the compiled `scaled`
 * (add_recur_library) from the safetensors file argv[1] through its
 * function table and the installed runtime library, and calls it. */
#include "scaled.h"

#include "recur/runtime/model.h"
#include "recur/runtime/safetensors.h"

#include <stdio.h>

int main(int argc, char **argv) {
  char message[512];
  recur_st_file *file = NULL;
  if (argc != 2 ||
      recur_st_open(argv[1], &file, message, sizeof message) != RECUR_ST_OK) {
    printf("open failed: %s\n", argc == 2 ? message : "usage");
    return 1;
  }
  void *buffers[3] = {0};
  recur_st_status status = recur_load_weights(file, &scaled_info, buffers,
                                              message, sizeof message);
  recur_st_close(file);
  if (status != RECUR_ST_OK) {
    printf("load failed: %s\n", message);
    return 1;
  }
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8] = {0};
  buffers[recur_find_buffer(&scaled_info, "x")] = x;
  buffers[recur_find_buffer(&scaled_info, "y")] = y;
  int64_t dims[1] = {2};
  int result = scaled_info.call(dims, buffers);
  printf("call: %d, y:", result);
  for (int i = 0; i < 8; ++i)
    printf(" %g", y[i]);
  printf("\n");
  buffers[recur_find_buffer(&scaled_info, "x")] = NULL;
  buffers[recur_find_buffer(&scaled_info, "y")] = NULL;
  recur_free_weights(&scaled_info, buffers);
  return result;
}
