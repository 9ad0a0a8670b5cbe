/* Times a compiled model block (or stack): its prefill function on B x T
 * tokens and its step function on B x 1, from zero states, with every
 * other input filled with small pseudo-random values. Generic over the
 * block: the header's function tables (NAME_info) give the buffers.
 *
 *   cc -DHEADER='"block.h"' -DPREFILL=NAME_info -DSTEP=NAME_step_info ...
 *   blocks B T steps repetitions
 *
 * Prints one line: "prefill_us_per_token decode_us_per_step" (medians).
 * A KV cache (a dimension other than B and T) is empty for the prefill and
 * holds T tokens for the steps. */

#define _POSIX_C_SOURCE 199309L /* clock_gettime */

#include HEADER

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_BUFFERS = 512 };

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static float next_uniform(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return 0.05f * ((float)(rng >> 40) / (float)(1u << 23) - 1.0f);
}

static int64_t elements(const recur_buffer_info *buffer, const int64_t *dims) {
  int64_t count = 1;
  for (int d = 0; d < buffer->rank; ++d)
    count *= buffer->shape[d] >= 0 ? buffer->shape[d]
                                   : dims[-1 - buffer->shape[d]];
  return count;
}

/* Buffers for `function` with dims (B, T): inputs named like a state
 * ("state", "cache") are zeros, other f32 and bf16 inputs small random
 * values, f16 and i32 ones (token ids) zeros. */
static void allocate(const recur_function_info *function, const int64_t *dims,
                     void **buffers) {
  for (int i = 0; i < function->buffer_count; ++i) {
    const recur_buffer_info *buffer = &function->buffers[i];
    int f32 = strcmp(buffer->dtype, "f32") == 0;
    int bf16 = strcmp(buffer->dtype, "bf16") == 0;
    size_t bytes = f32 || strcmp(buffer->dtype, "i32") == 0 ? 4 : 2;
    int64_t count = elements(buffer, dims);
    unsigned char *data = calloc(count ? (size_t)count : 1, bytes);
    if (!data) {
      fprintf(stderr, "out of memory\n");
      exit(1);
    }
    int state = strstr(buffer->name, "state") || strstr(buffer->name, "cache");
    if (!buffer->is_output && !state && (f32 || bf16))
      for (int64_t e = 0; e < count; ++e) {
        float value = next_uniform();
        uint32_t bits;
        memcpy(&bits, &value, 4);
        uint16_t high = (uint16_t)(bits >> 16); /* bf16: the upper half */
        if (f32)
          memcpy(data + 4 * e, &value, 4);
        else
          memcpy(data + 2 * e, &high, 2);
      }
    buffers[i] = data;
  }
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median seconds of `repetitions` calls on `tokens` tokens of each
 * of `batch` sequences; another dynamic dimension (a KV cache's S) is
 * `context`. */
static double time_calls(const recur_function_info *function, int64_t batch,
                         int64_t tokens, int64_t context, int repetitions) {
  void *buffers[MAX_BUFFERS];
  int64_t dims[16];
  if (function->buffer_count > MAX_BUFFERS || function->dim_count > 16)
    exit(1);
  for (int d = 0; d < function->dim_count; ++d)
    dims[d] = strcmp(function->dims[d], "B") == 0   ? batch
              : strcmp(function->dims[d], "T") == 0 ? tokens
                                                    : context;
  allocate(function, dims, buffers);
  double *times = malloc(sizeof(double) * (size_t)repetitions);
  for (int r = -2; r < repetitions; ++r) { /* two warm-up calls */
    double start = now_seconds();
    int status = function->call(dims, buffers);
    if (status) {
      fprintf(stderr, "%s\n", function->status_message(status));
      exit(1);
    }
    if (r >= 0)
      times[r] = now_seconds() - start;
  }
  qsort(times, (size_t)repetitions, sizeof(double), compare_doubles);
  double median = times[repetitions / 2];
  for (int i = 0; i < function->buffer_count; ++i)
    free(buffers[i]);
  free(times);
  return median;
}

int main(int argc, char **argv) {
  if (argc != 5)
    return 2;
  int64_t batch = atoll(argv[1]), time = atoll(argv[2]);
  int steps = atoi(argv[3]), repetitions = atoi(argv[4]);
  /* The prefill from an empty cache; the steps after T tokens. */
  double prefill = time_calls(&PREFILL, batch, time, 0, repetitions);
  double step = time_calls(&STEP, batch, 1, time, steps);
  printf("%.3f %.3f\n", 1e6 * prefill / (double)(batch * time), 1e6 * step);
  return 0;
}
