/* Loads the packed weight of test/Runtime/load_packed.py's model from a
 * .safetensors file (argv[1]; with "map", through recur_map_weights, which
 * must copy it), calls model on x = 1, 2, ..., and prints y; with "pack",
 * packs the same weight itself with recur_pack_panels and checks that the
 * loader's buffer has the same bytes. */

#include "packed.h"

#include "recur/runtime/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  char message[512];
  recur_st_file *file = NULL;
  if (recur_st_open(argv[1], &file, message, sizeof message) != RECUR_ST_OK) {
    printf("open: %s\n", message);
    return 1;
  }
  int w = recur_find_buffer(&model_info, "w");
  const recur_buffer_info *info = &model_info.buffers[w];
  void *buffers[3] = {0};
  int map = strcmp(argv[2], "map") == 0;
  recur_st_status status =
      map ? recur_map_weights(file, &model_info, buffers, message,
                              sizeof message)
          : recur_load_weights(file, &model_info, buffers, message,
                               sizeof message);
  if (status != RECUR_ST_OK) {
    printf("load: %s: %s\n", recur_st_status_name(status), message);
    for (int i = 0; i < 3; ++i)
      if (buffers[i])
        printf("buffer %d left allocated\n", i);
    recur_st_close(file);
    return 1;
  }
  const recur_st_tensor *tensor = recur_st_find(file, info->checkpoint_name);
  printf("packed_rows %lld, panels %lld x %lld x %lld, %s\n",
         (long long)info->packed_rows, (long long)info->shape[0],
         (long long)info->shape[1], (long long)info->shape[2],
         buffers[w] == tensor->data ? "mapped" : "copied");
  if (strcmp(argv[2], "pack") == 0) {
    /* The file holds f32 data; the buffer is f32 too. */
    size_t bytes = (size_t)recur_buffer_elements(info, NULL) * sizeof(float);
    void *mine = malloc(bytes);
    memset(mine, 0xff, bytes);
    recur_pack_panels(tensor->data, sizeof(float), info->packed_rows,
                      info->shape[1], info->shape[2], mine);
    printf("recur_pack_panels: %s\n",
           memcmp(mine, buffers[w], bytes) == 0 ? "same" : "different");
    free(mine);
  }
  int64_t inputs = info->shape[1], outputs = info->packed_rows;
  float *x = malloc(sizeof(float) * (size_t)inputs);
  float *y = malloc(sizeof(float) * (size_t)outputs);
  for (int64_t k = 0; k < inputs; ++k)
    x[k] = (float)(k + 1);
  int64_t dims[1] = {1};
  buffers[recur_find_buffer(&model_info, "x")] = x;
  buffers[recur_find_buffer(&model_info, "y")] = y;
  printf("call: %d\ny:", model_info.call(dims, buffers));
  for (int64_t n = 0; n < outputs; ++n)
    printf(" %.9g", y[n]);
  printf("\n");
  buffers[recur_find_buffer(&model_info, "x")] = NULL;
  buffers[recur_find_buffer(&model_info, "y")] = NULL;
  if (map)
    recur_release_weights(file, &model_info, buffers);
  else
    recur_free_weights(&model_info, buffers);
  recur_st_close(file);
  free(x);
  free(y);
  return 0;
}
