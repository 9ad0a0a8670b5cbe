/* For test/Runtime/load_weights.py: loads the weights of model_info
 * (Inputs/weights.mlir) from a safetensors file with recur_load_weights
 * and prints each weight's raw elements (f32 as floats, f16/bf16 as bit
 * patterns in hex), then calls the model on x = 1, 2, 3, 4 and prints y;
 * or prints the loader's status and message and exits with 1.
 * With "prefilled", every slot starts as a pointer the loader did not
 * allocate: a failed load must free only what it loaded.
 *
 * FILE may be a checkpoint directory or its index, read through
 * recur_checkpoint_open and recur_load_checkpoint.
 *
 * With "map", through recur_map_weights / recur_map_checkpoint instead,
 * and after the call it prints the weights that point into the file's
 * data ("mapped: NAME ..."), then releases them before closing the file.
 *
 *   load_weights FILE [prefilled | map] */

#include "weights.h"

#include "recur/runtime/model.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  char message[512];
  if (argc != 2 && !(argc == 3 && (strcmp(argv[2], "prefilled") == 0 ||
                                    strcmp(argv[2], "map") == 0)))
    return 2;
  bool map = argc == 3 && strcmp(argv[2], "map") == 0;
  /* A .safetensors file through recur_load_weights; anything else (a
     checkpoint directory, an index) through recur_load_checkpoint. */
  bool single = strlen(argv[1]) > 12 &&
                !strcmp(argv[1] + strlen(argv[1]) - 12, ".safetensors");
  recur_st_file *file = NULL;
  recur_checkpoint *checkpoint = NULL;
  recur_st_status status =
      single ? recur_st_open(argv[1], &file, message, sizeof message)
             : recur_checkpoint_open(argv[1], &checkpoint, message,
                                     sizeof message);
  if (status != RECUR_ST_OK) {
    printf("open: %s: %s\n", recur_st_status_name(status), message);
    return 1;
  }
  void *buffers[6] = {0};
  static float notAllocated[1];
  if (argc == 3 && !map)
    for (int i = 0; i < 6; ++i)
      buffers[i] = notAllocated;
  if (map)
    status = single ? recur_map_weights(file, &model_info, buffers, message,
                                        sizeof message)
                    : recur_map_checkpoint(checkpoint, &model_info, buffers,
                                           message, sizeof message);
  else
    status = single ? recur_load_weights(file, &model_info, buffers,
                                         message, sizeof message)
                    : recur_load_checkpoint(checkpoint, &model_info, buffers,
                                            message, sizeof message);
  if (!map || status != RECUR_ST_OK) {
    recur_st_close(file);
    recur_checkpoint_close(checkpoint);
    file = NULL;
    checkpoint = NULL;
  }
  if (status != RECUR_ST_OK) {
    printf("load: %s: %s\n", recur_st_status_name(status), message);
    for (int i = 0; i < model_info.buffer_count; ++i)
      if (buffers[i] == notAllocated)
        printf("buffer %d kept\n", i);
      else if (buffers[i])
        printf("buffer %d left allocated\n", i);
    return 1;
  }
  for (int i = 0; i < model_info.buffer_count; ++i) {
    const recur_buffer_info *buffer = &model_info.buffers[i];
    if (!buffer->checkpoint_name)
      continue;
    printf("%s [%s] %s:", buffer->name, buffer->checkpoint_name,
           buffer->dtype);
    int64_t count = recur_buffer_elements(buffer, NULL);
    for (int64_t e = 0; e < count; ++e) {
      if (strcmp(buffer->dtype, "f32") == 0) {
        printf(" %.9g", ((const float *)buffers[i])[e]);
      } else {
        uint16_t bits;
        memcpy(&bits, (const char *)buffers[i] + 2 * e, sizeof bits);
        printf(" %04x", bits);
      }
    }
    printf("\n");
  }
  float x[4] = {1, 2, 3, 4}, y[4];
  int64_t dims[1] = {1};
  buffers[recur_find_buffer(&model_info, "x")] = x;
  buffers[recur_find_buffer(&model_info, "y")] = y;
  int result = model_info.call(dims, buffers);
  printf("call: %d, y: %g %g %g %g\n", result, y[0], y[1], y[2], y[3]);
  buffers[recur_find_buffer(&model_info, "x")] = NULL;
  buffers[recur_find_buffer(&model_info, "y")] = NULL;
  if (!map) {
    recur_free_weights(&model_info, buffers);
    return 0;
  }
  printf("mapped:");
  for (int i = 0; i < model_info.buffer_count; ++i) {
    const char *name = model_info.buffers[i].checkpoint_name;
    const recur_st_file *holder =
        !name ? NULL : single ? file : recur_checkpoint_file(checkpoint, name);
    const recur_st_tensor *tensor = holder ? recur_st_find(holder, name)
                                           : NULL;
    if (tensor && buffers[i] == tensor->data)
      printf(" %s", model_info.buffers[i].name);
  }
  printf("\n");
  if (single)
    recur_release_weights(file, &model_info, buffers);
  else
    recur_release_checkpoint(checkpoint, &model_info, buffers);
  for (int i = 0; i < model_info.buffer_count; ++i)
    if (buffers[i])
      printf("buffer %d not released\n", i);
  recur_st_close(file);
  recur_checkpoint_close(checkpoint);
  return 0;
}
