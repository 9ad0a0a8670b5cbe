/*===- generate.c - Token generation with a compiled whole model ---------===*
 *
 * recur_generate and the generator of recur/runtime/generate.h.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 199309L

#include "recur/runtime/generate.h"

#include "report.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { PREFILL = 0, STEP = 1 };

/* A state: its input and output buffer in each function, and whether the
 * output is appended along dimension 1 (a KV cache). */
typedef struct {
  const char *name;
  int input[2], output[2];
  bool appended;
  float *value;
  /* A replaced state's other buffer: a call's output, swapped with `value`
     after it (no allocation per step). */
  float *spare;
} State;

struct recur_generator {
  const recur_function_info *functions[2];
  void *const *weights;
  /* For each buffer of each function: the prefill's weight slot it takes,
     or -1. */
  int *weight_of[2];
  int ids[2], logits[2];
  int64_t batch, vocab, cached;
  int state_count;
  State *states;
  /* A call's logits (kept across calls, grown as needed). */
  float *logits_buffer;
  int64_t logits_capacity;
  /* How the tables are called (NULL: their own `call`). */
  recur_host_call host_call;
};

void recur_generator_set_host_call(recur_generator *generator,
                                   recur_host_call call) {
  generator->host_call = call;
}

static int findBuffer(const recur_function_info *function, const char *name,
                      int is_output) {
  int index = recur_find_buffer(function, name);
  return index >= 0 && function->buffers[index].is_output == is_output
             ? index
             : -1;
}

/* The dimension values of a call of `function` on `time` tokens. */
static recur_st_status callDims(const recur_generator *g,
                                const recur_function_info *function,
                                int64_t time, int64_t *dims, char *message,
                                size_t size) {
  for (int d = 0; d < function->dim_count; ++d) {
    const char *name = function->dims[d];
    if (!strcmp(name, "B"))
      dims[d] = g->batch;
    else if (!strcmp(name, "T"))
      dims[d] = time;
    else if (!strcmp(name, "S"))
      dims[d] = g->cached;
    else
      return recur_report(message, size, RECUR_ST_MISMATCH,
                          "%s: dimension '%s' is not one a generator knows "
                          "(B, T, S)",
                          function->name, name);
  }
  return RECUR_ST_OK;
}

/* Checks one function's table and maps its buffers. */
static recur_st_status mapFunction(recur_generator *g, int which,
                                   char *message, size_t size) {
  const recur_function_info *function = g->functions[which];
  const recur_function_info *prefill = g->functions[PREFILL];
  if (function->dim_count > 8)
    return recur_report(message, size, RECUR_ST_MISMATCH,
                        "%s: more dimensions than a generator knows",
                        function->name);
  g->ids[which] = findBuffer(function, "input_ids", 0);
  g->logits[which] = findBuffer(function, "logits", 1);
  if (g->ids[which] < 0 || g->logits[which] < 0 ||
      strcmp(function->buffers[g->ids[which]].dtype, "i32") ||
      strcmp(function->buffers[g->logits[which]].dtype, "f32"))
    return recur_report(message, size, RECUR_ST_MISMATCH,
                        "%s: not a whole model (no i32 input 'input_ids' or "
                        "f32 output 'logits')",
                        function->name);
  const recur_buffer_info *logits = &function->buffers[g->logits[which]];
  g->vocab = logits->shape[logits->rank - 1];
  g->weight_of[which] = malloc(sizeof(int) * (size_t)function->buffer_count);
  if (!g->weight_of[which])
    return recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  for (int i = 0; i < function->buffer_count; ++i) {
    const recur_buffer_info *buffer = &function->buffers[i];
    g->weight_of[which][i] = -1;
    if (buffer->is_output || !buffer->checkpoint_name)
      continue;
    int slot = which == PREFILL ? i : findBuffer(prefill, buffer->name, 0);
    if (slot < 0 || !g->weights[slot])
      return recur_report(message, size, RECUR_ST_MISMATCH,
                          "%s: weight '%s' is not loaded", function->name,
                          buffer->name);
    g->weight_of[which][i] = slot;
  }
  return RECUR_ST_OK;
}

/* The states, from the prefill's inputs; their buffers in both functions. */
static recur_st_status findStates(recur_generator *g, char *message,
                                  size_t size) {
  const recur_function_info *prefill = g->functions[PREFILL];
  g->states = calloc((size_t)prefill->buffer_count, sizeof(State));
  if (!g->states)
    return recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  for (int i = 0; i < prefill->buffer_count; ++i) {
    const recur_buffer_info *buffer = &prefill->buffers[i];
    if (buffer->is_output || buffer->checkpoint_name || i == g->ids[PREFILL])
      continue;
    State *state = &g->states[g->state_count++];
    state->name = buffer->name;
    /* STATE_out, or a cache PREFIX_cache's PREFIX_new. */
    char output[512];
    snprintf(output, sizeof output, "%s_out", buffer->name);
    size_t length = strlen(buffer->name);
    if (findBuffer(prefill, output, 1) < 0 && length > 6 &&
        !strcmp(buffer->name + length - 6, "_cache")) {
      snprintf(output, sizeof output, "%.*s_new", (int)(length - 6),
               buffer->name);
      state->appended = true;
    }
    for (int which = PREFILL; which <= STEP; ++which) {
      state->input[which] = findBuffer(g->functions[which], buffer->name, 0);
      state->output[which] = findBuffer(g->functions[which], output, 1);
      if (state->input[which] < 0 || state->output[which] < 0)
        return recur_report(message, size, RECUR_ST_MISMATCH,
                            "%s: state '%s' has no input or no output "
                            "'%s'",
                            g->functions[which]->name, buffer->name, output);
      const recur_buffer_info *in =
          &g->functions[which]->buffers[state->input[which]];
      if (strcmp(in->dtype, "f32") || (state->appended && in->rank < 2))
        return recur_report(message, size, RECUR_ST_MISMATCH,
                            "%s: state '%s' is not an f32 state",
                            g->functions[which]->name, buffer->name);
    }
  }
  return RECUR_ST_OK;
}

recur_st_status recur_generator_create(const recur_function_info *prefill,
                                       const recur_function_info *step,
                                       void *const *weights, int64_t batch,
                                       recur_generator **generator,
                                       char *message, size_t size) {
  *generator = NULL;
  if (batch < 1)
    return recur_report(message, size, RECUR_ST_MISMATCH,
                        "batch %lld: at least 1 sequence",
                        (long long)batch);
  recur_generator *g = calloc(1, sizeof *g);
  if (!g)
    return recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  g->functions[PREFILL] = prefill;
  g->functions[STEP] = step;
  g->weights = weights;
  g->batch = batch;
  recur_st_status status = mapFunction(g, PREFILL, message, size);
  int64_t vocab = g->vocab;
  if (status == RECUR_ST_OK)
    status = mapFunction(g, STEP, message, size);
  if (status == RECUR_ST_OK && (vocab != g->vocab || vocab < 1))
    status = recur_report(message, size, RECUR_ST_MISMATCH,
                          "%s and %s have different vocabularies",
                          prefill->name, step->name);
  if (status == RECUR_ST_OK)
    status = findStates(g, message, size);
  if (status != RECUR_ST_OK) {
    recur_generator_free(g);
    return status;
  }
  *generator = g;
  return RECUR_ST_OK;
}

int64_t recur_generator_vocab(const recur_generator *generator) {
  return generator->vocab;
}

void recur_generator_free(recur_generator *generator) {
  if (!generator)
    return;
  for (int s = 0; s < generator->state_count; ++s) {
    free(generator->states[s].value);
    free(generator->states[s].spare);
  }
  free(generator->states);
  free(generator->logits_buffer);
  free(generator->weight_of[PREFILL]);
  free(generator->weight_of[STEP]);
  free(generator);
}

/* A zeroed f32 buffer of `count` elements (one for none). */
static float *zeros(int64_t count) {
  if (count < 0 || (uint64_t)count > SIZE_MAX / sizeof(float))
    return NULL;
  return calloc(count ? (size_t)count : 1, sizeof(float));
}

/* Fresh states: zeros, and empty caches. */
static recur_st_status resetStates(recur_generator *g, char *message,
                                   size_t size) {
  g->cached = 0;
  int64_t dims[8];
  recur_st_status status =
      callDims(g, g->functions[STEP], 1, dims, message, size);
  if (status != RECUR_ST_OK)
    return status;
  for (int s = 0; s < g->state_count; ++s) {
    State *state = &g->states[s];
    const recur_buffer_info *in =
        &g->functions[STEP]->buffers[state->input[STEP]];
    free(state->value);
    state->value = zeros(recur_buffer_elements(in, dims));
    if (!state->value)
      return recur_report(message, size, RECUR_ST_NO_MEMORY,
                          "out of memory for state '%s'", state->name);
  }
  return RECUR_ST_OK;
}

/* One call of function `which` on ids [batch, time]; the last position's
 * logits into `last` [batch, vocab]; the states advanced. */
static recur_st_status call(recur_generator *g, int which,
                            const int32_t *ids, int64_t time, float *last,
                            char *message, size_t size) {
  const recur_function_info *function = g->functions[which];
  int64_t dims[8];
  recur_st_status status = callDims(g, function, time, dims, message, size);
  if (status != RECUR_ST_OK)
    return status;
  void **buffers = calloc((size_t)function->buffer_count, sizeof(void *));
  if (!buffers)
    return recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  for (int i = 0; i < function->buffer_count; ++i)
    if (g->weight_of[which][i] >= 0)
      buffers[i] = g->weights[g->weight_of[which][i]];
  /* An input: the call only reads it. */
  buffers[g->ids[which]] = (void *)(uintptr_t)ids;
  const recur_buffer_info *logitsInfo = &function->buffers[g->logits[which]];
  int64_t logitsCount = recur_buffer_elements(logitsInfo, dims);
  if (logitsCount > g->logits_capacity) {
    free(g->logits_buffer);
    g->logits_buffer = zeros(logitsCount);
    g->logits_capacity = g->logits_buffer ? logitsCount : 0;
  }
  float *logits = g->logits_buffer;
  status = logits ? RECUR_ST_OK
                  : recur_report(message, size, RECUR_ST_NO_MEMORY,
                                 "out of memory for the logits");
  buffers[g->logits[which]] = logits;
  for (int s = 0; s < g->state_count && status == RECUR_ST_OK; ++s) {
    State *state = &g->states[s];
    buffers[state->input[which]] = state->value;
    /* A replaced state's shape is the same for every call. */
    float *out = state->spare ? state->spare
                              : zeros(recur_buffer_elements(
                                    &function->buffers[state->output[which]],
                                    dims));
    state->spare = NULL;
    if (!out)
      status = recur_report(message, size, RECUR_ST_NO_MEMORY,
                            "out of memory for state '%s'", state->name);
    buffers[state->output[which]] = out;
  }
  if (status == RECUR_ST_OK) {
    int result = g->host_call ? g->host_call(function, dims, buffers)
                              : function->call(dims, buffers);
    if (result != 0)
      status = recur_report(message, size, RECUR_ST_MISMATCH,
                            "%s failed with status %d: %s", function->name,
                            result,
                            function->status_message
                                ? function->status_message(result)
                                : "");
  }
  if (status == RECUR_ST_OK) {
    /* The last position of each sequence. */
    int64_t positions = logitsCount / (g->batch * g->vocab);
    for (int64_t b = 0; b < g->batch; ++b)
      memcpy(last + b * g->vocab,
             logits + (b * positions + positions - 1) * g->vocab,
             sizeof(float) * (size_t)g->vocab);
  }
  for (int s = 0; s < g->state_count; ++s) {
    State *state = &g->states[s];
    float *out = buffers[state->output[which]];
    if (!state->appended && out) {
      /* The output becomes the state (on failure it stays the spare). */
      if (status == RECUR_ST_OK) {
        state->spare = state->value;
        state->value = out;
      } else {
        state->spare = out;
      }
      continue;
    }
    if (status != RECUR_ST_OK || !out) {
      free(out);
      continue;
    }
    /* [B, S, rest] followed by [B, time, rest] along dimension 1. */
    const recur_buffer_info *in = &function->buffers[state->input[which]];
    int64_t rest = 1;
    for (int d = 2; d < in->rank; ++d)
      rest *= in->shape[d] < 0 ? dims[-1 - in->shape[d]] : in->shape[d];
    int64_t total = g->cached + time;
    float *grown = zeros(g->batch * total * rest);
    if (!grown) {
      free(out);
      status = recur_report(message, size, RECUR_ST_NO_MEMORY,
                            "out of memory for cache '%s'", state->name);
      continue;
    }
    for (int64_t b = 0; b < g->batch; ++b) {
      memcpy(grown + b * total * rest, state->value + b * g->cached * rest,
             sizeof(float) * (size_t)(g->cached * rest));
      memcpy(grown + (b * total + g->cached) * rest, out + b * time * rest,
             sizeof(float) * (size_t)(time * rest));
    }
    free(out);
    free(state->value);
    state->value = grown;
  }
  if (status == RECUR_ST_OK)
    g->cached += time;
  free(buffers);
  return status;
}

/* splitmix64: the next number of the stream `rng`. */
static uint64_t nextRandom(uint64_t *rng) {
  uint64_t z = (*rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

typedef struct {
  float logit;
  int32_t id;
} Candidate;

/* Descending logits, ties to the lower id. */
static int byLogit(const void *a, const void *b) {
  const Candidate *x = a, *y = b;
  if (x->logit != y->logit)
    return x->logit > y->logit ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* The next id from one sequence's logits. */
static int32_t pick(const float *row, int64_t vocab,
                    const recur_sampling *sampling, uint64_t *rng,
                    Candidate *candidates, double *weights) {
  if (sampling->temperature == 0) {
    int64_t best = 0;
    for (int64_t v = 1; v < vocab; ++v)
      if (row[v] > row[best])
        best = v;
    return (int32_t)best;
  }
  for (int64_t v = 0; v < vocab; ++v)
    candidates[v] = (Candidate){row[v], (int32_t)v};
  qsort(candidates, (size_t)vocab, sizeof *candidates, byLogit);
  int64_t keep = sampling->top_k > 0 && sampling->top_k < vocab
                     ? sampling->top_k
                     : vocab;
  double total = 0;
  for (int64_t j = 0; j < keep; ++j) {
    weights[j] = exp(((double)candidates[j].logit - candidates[0].logit) /
                     sampling->temperature);
    total += weights[j];
  }
  /* The fewest candidates whose probability reaches top_p. */
  double reached = 0;
  for (int64_t j = 0; j < keep; ++j) {
    reached += weights[j] / total;
    if (reached >= sampling->top_p) {
      keep = j + 1;
      break;
    }
  }
  double kept = 0;
  for (int64_t j = 0; j < keep; ++j)
    kept += weights[j];
  double u = (double)(nextRandom(rng) >> 11) * 0x1.0p-53 * kept;
  for (int64_t j = 0; j < keep; ++j) {
    u -= weights[j];
    if (u < 0)
      return candidates[j].id;
  }
  return candidates[keep - 1].id;
}

static double seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

recur_st_status recur_generate(recur_generator *g, const int32_t *prompt,
                               int64_t prompt_length, int64_t tokens,
                               const recur_sampling *sampling, int32_t *ids,
                               int64_t *counts, recur_generate_stats *stats,
                               char *message, size_t size) {
  if (prompt_length < 1 || tokens < 0)
    return recur_report(message, size, RECUR_ST_MISMATCH,
                        "a prompt of %lld tokens, %lld to generate: the "
                        "prompt needs one token at least",
                        (long long)prompt_length, (long long)tokens);
  if (!(sampling->temperature >= 0) || sampling->top_k < 0 ||
      !(sampling->top_p > 0 && sampling->top_p <= 1) ||
      sampling->stop_count < 0)
    return recur_report(message, size, RECUR_ST_MISMATCH,
                        "sampling: temperature >= 0, top_k >= 0 and top_p "
                        "in (0, 1] needed");
  for (int64_t i = 0; i < g->batch * prompt_length; ++i)
    if (prompt[i] < 0 || prompt[i] >= g->vocab)
      return recur_report(message, size, RECUR_ST_MISMATCH,
                          "prompt id %d (sequence %lld) is outside the "
                          "vocabulary [0, %lld)",
                          prompt[i], (long long)(i / prompt_length),
                          (long long)g->vocab);
  recur_st_status status = resetStates(g, message, size);
  float *last = zeros(g->batch * g->vocab);
  Candidate *candidates = malloc(sizeof(Candidate) * (size_t)g->vocab);
  double *weights = malloc(sizeof(double) * (size_t)g->vocab);
  int32_t *next = malloc(sizeof(int32_t) * (size_t)g->batch);
  bool *done = calloc((size_t)g->batch, sizeof(bool));
  if (status == RECUR_ST_OK && (!last || !candidates || !weights || !next ||
                                !done))
    status = recur_report(message, size, RECUR_ST_NO_MEMORY,
                          "out of memory");
  recur_generate_stats measured = {0, 0, 0};
  uint64_t rng = sampling->seed;
  for (int64_t b = 0; b < g->batch; ++b) {
    counts[b] = 0;
    for (int64_t t = 0; t < tokens; ++t)
      ids[b * tokens + t] = -1;
  }
  if (status == RECUR_ST_OK && tokens > 0) {
    double start = seconds();
    status = call(g, PREFILL, prompt, prompt_length, last, message, size);
    measured.prefill_seconds = seconds() - start;
  }
  double start = seconds();
  for (int64_t t = 0; status == RECUR_ST_OK && t < tokens; ++t) {
    bool all = true;
    for (int64_t b = 0; b < g->batch; ++b) {
      next[b] = pick(last + b * g->vocab, g->vocab, sampling, &rng,
                     candidates, weights);
      if (!done[b]) {
        ids[b * tokens + t] = next[b];
        counts[b] = t + 1;
        for (int64_t s = 0; s < sampling->stop_count; ++s)
          done[b] = done[b] || next[b] == sampling->stop[s];
      }
      all = all && done[b];
    }
    if (all || t + 1 == tokens)
      break;
    status = call(g, STEP, next, 1, last, message, size);
    ++measured.steps;
  }
  measured.decode_seconds = seconds() - start;
  if (stats)
    *stats = measured;
  free(last);
  free(candidates);
  free(weights);
  free(next);
  free(done);
  return status;
}
