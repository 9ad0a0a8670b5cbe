/* For test/Runtime/generate.py: generates with the whole model `model`
 * (model.h beside the object) through recur/runtime/generate.h, its
 * weights mapped from the checkpoint argv[1] (recur_map_checkpoint: the
 * checkpoint stays open while they are used). Built with RECUR_VULKAN
 * defined, for a model compiled for the vulkan target: its tables are
 * called through recur_vk_call_host.
 *   generate CHECKPOINT BATCH PROMPT TOKENS TEMPERATURE TOP_K TOP_P SEED STOP
 * PROMPT: BATCH x T ids, comma-separated; STOP: ids, comma-separated, or -.
 * Prints "ids: ..." (sequences separated by " |"), "counts: ...". */
#include "model.h"

#include "recur/runtime/checkpoint.h"
#include "recur/runtime/generate.h"
#include "recur/runtime/model.h"
#ifdef RECUR_VULKAN
#include "recur/vulkan_calls.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The comma-separated ids of `text` into `ids` (at most `capacity`). */
static int64_t parseIds(const char *text, int32_t *ids, int64_t capacity) {
  int64_t count = 0;
  for (const char *p = text; *p && count < capacity;) {
    char *end;
    ids[count++] = (int32_t)strtol(p, &end, 10);
    p = *end == ',' ? end + 1 : end;
    if (end == p && *p)
      break;
  }
  return count;
}

int main(int argc, char **argv) {
  if (argc != 10) {
    printf("usage: generate CHECKPOINT BATCH PROMPT TOKENS TEMPERATURE "
           "TOP_K TOP_P SEED STOP\n");
    return 2;
  }
  char message[512];
  recur_checkpoint *checkpoint;
  if (recur_checkpoint_open(argv[1], &checkpoint, message, sizeof message)) {
    printf("open: %s\n", message);
    return 1;
  }
  void **weights = calloc((size_t)model_info.buffer_count, sizeof(void *));
  recur_st_status status = recur_map_checkpoint(
      checkpoint, &model_info, weights, message, sizeof message);
  if (status) {
    printf("load: %s\n", message);
    recur_checkpoint_close(checkpoint);
    return 1;
  }
  fprintf(stderr, "weights: %lld bytes\n",
          (long long)recur_weights_bytes(&model_info));
  int64_t batch = atoll(argv[2]), tokens = atoll(argv[4]);
  int32_t prompt[4096], stop[64];
  int64_t length = parseIds(argv[3], prompt, 4096) / batch;
  recur_sampling sampling = {
      (float)atof(argv[5]), atoll(argv[6]), (float)atof(argv[7]),
      (uint64_t)atoll(argv[8]), stop,
      strcmp(argv[9], "-") ? parseIds(argv[9], stop, 64) : 0};
  recur_generator *generator;
  status = recur_generator_create(&model_info, &model_step_info, weights,
                                  batch, &generator, message, sizeof message);
  if (status) {
    printf("create: %s\n", message);
    return 1;
  }
#ifdef RECUR_VULKAN
  recur_generator_set_host_call(generator, recur_vk_call_host);
#endif
  int32_t *ids = malloc(sizeof(int32_t) * (size_t)(batch * tokens + 1));
  int64_t *counts = malloc(sizeof(int64_t) * (size_t)batch);
  recur_generate_stats stats;
  status = recur_generate(generator, prompt, length, tokens, &sampling, ids,
                          counts, &stats, message, sizeof message);
  if (status) {
    printf("generate: %s\n", message);
  } else {
    printf("ids:");
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < tokens; ++t)
        printf("%s %d", t == 0 && b ? " |" : "", ids[b * tokens + t]);
    printf("\ncounts:");
    for (int64_t b = 0; b < batch; ++b)
      printf(" %lld", (long long)counts[b]);
    printf("\nsteps: %lld, prefill %.3g s, decode %.3g s\n",
           (long long)stats.steps, stats.prefill_seconds,
           stats.decode_seconds);
  }
  recur_generator_free(generator);
  recur_release_checkpoint(checkpoint, &model_info, weights);
  recur_checkpoint_close(checkpoint);
  free(weights);
  free(ids);
  free(counts);
  return status ? 1 : 0;
}
