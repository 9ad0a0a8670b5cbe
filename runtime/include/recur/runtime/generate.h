/*===- generate.h - Token generation with a compiled whole model ---------===*
 *
 * Part of recur's runtime library. A whole model (python3 -m recur.models
 * build: a prefill NAME and a step NAME_step, token ids `input_ids` in,
 * `logits` out, and states) generates tokens from prompt token ids: the prefill on the prompt, then one step per token,
 * greedily or sampling with a seed. Tokenization stays outside: ids in,
 * ids out.
 *
 *   recur_generator *g;
 *   recur_generator_create(&model_info, &model_step_info, weights, batch,
 *                          &g, message, sizeof message);
 *   recur_generate(g, prompt, prompt_length, tokens, &sampling, ids,
 *                  counts, &stats, message, sizeof message);
 *   recur_generator_free(g);
 *
 * The states are the functions' inputs that are neither weights (a
 * checkpoint name) nor `input_ids`; each is replaced by the output
 * STATE_out, or, for a KV cache STATE named PREFIX_cache with a dynamic
 * dimension "S", grows by the output PREFIX_new along dimension 1
 * (recur.models' conventions). A fresh generation starts from zero states
 * and empty caches.
 *
 * Tables compiled for the CPU are called as they are; for the vulkan
 * target, set the runtime's host call (recur_generator_set_host_call(g,
 * recur_vk_call_host), recur/vulkan_calls.h), which copies each call's
 * buffers to the device and its outputs back.
 *
 *===----------------------------------------------------------------------===*/

#ifndef RECUR_RUNTIME_GENERATE_H
#define RECUR_RUNTIME_GENERATE_H

#include "recur/runtime/model.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct recur_generator recur_generator;

typedef struct recur_sampling {
  float temperature;    /* 0: greedy (the largest logit, the lowest id) */
  int64_t top_k;        /* sample among the k likeliest (0: all) */
  float top_p;          /* ... and the fewest whose probability reaches
                           top_p (1: all) */
  uint64_t seed;        /* the same seed, the same tokens */
  const int32_t *stop;  /* a sequence ends after producing one of these */
  int64_t stop_count;
} recur_sampling;

typedef struct recur_generate_stats {
  double prefill_seconds; /* the prefill call */
  double decode_seconds;  /* the steps */
  int64_t steps;          /* step calls made */
} recur_generate_stats;

/* A generator of `batch` sequences for the prefill `prefill` and the step
 * `step` of one whole model, whose weights are `weights` (the buffers of
 * `prefill`'s table, as recur_load_weights or recur_load_checkpoint filled
 * them; the step's weights are found by name). The generator keeps the
 * pointer to `weights`, not a copy: they must outlive it. The tables are
 * called through their `call` (host buffers: the CPU target) until
 * recur_generator_set_host_call says otherwise. RECUR_ST_MISMATCH names
 * what the tables lack. */
recur_st_status recur_generator_create(const recur_function_info *prefill,
                                       const recur_function_info *step,
                                       void *const *weights, int64_t batch,
                                       recur_generator **generator,
                                       char *message, size_t size);

/* How a generator calls a table on host buffers: `function`'s entry point
 * with the dimension values `dims` and the buffers in its table's order;
 * 0 on success. */
typedef int (*recur_host_call)(const recur_function_info *function,
                               const int64_t *dims, void *const *buffers);

/* Makes `generator` call its tables through `call` (recur_vk_call_host for
 * tables of the vulkan target); NULL: their own `call` (the CPU target). */
void recur_generator_set_host_call(recur_generator *generator,
                                   recur_host_call call);

/* Generates up to `tokens` ids for each of the generator's sequences after
 * `prompt` [batch, prompt_length] (ids in [0, vocab)) from fresh states
 * into `ids` [batch, tokens]; counts[b] is the number sequence b produced
 * (fewer than `tokens` after a stop id, which is counted; the rest of its
 * row is -1). `stats` (may be NULL) gets the prefill's and the steps'
 * seconds. An id outside the vocabulary, an invalid sampling or a call's
 * failure returns RECUR_ST_MISMATCH with a message. */
recur_st_status recur_generate(recur_generator *generator,
                               const int32_t *prompt, int64_t prompt_length,
                               int64_t tokens, const recur_sampling *sampling,
                               int32_t *ids, int64_t *counts,
                               recur_generate_stats *stats, char *message,
                               size_t size);

/* The vocabulary size (the logits' last dimension). */
int64_t recur_generator_vocab(const recur_generator *generator);

void recur_generator_free(recur_generator *generator);

#ifdef __cplusplus
}
#endif

#endif /* RECUR_RUNTIME_GENERATE_H */
