/* A C program that links the object recur-compile writes for gla_mixer.mlir.
 *
 *   gla_mixer_main <dir> <B> <T> <repetitions>
 *
 * Fills the inputs with a fixed pseudo-random sequence, calls gla_mixer
 * (once to warm up, then <repetitions> times, timing each call), prints the
 * median time, and writes every input and output to <dir>/<name>.bin
 * (float32, row-major) so that they can be checked against a reference. */

#include "gla_mixer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { C = 128, H = 4, K = 32, V = 32 };

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* Uniform in [-scale, scale). */
static float next_uniform(float scale) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return scale * ((float)(rng_state >> 40) / (float)(1u << 23) - 1.0f);
}

static float *random_buffer(size_t count, float scale) {
  float *data = malloc(count * sizeof(float));
  if (!data) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < count; ++i)
    data[i] = next_uniform(scale);
  return data;
}

static void save(const char *dir, const char *name, const float *data,
                 size_t count) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, sizeof(float), count, f) != count) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(1);
  }
  fclose(f);
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

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <dir> <B> <T> <repetitions>\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  int64_t B = atoll(argv[2]), T = atoll(argv[3]);
  int repetitions = atoi(argv[4]);
  if (B < 1 || T < 1 || repetitions < 1) {
    fprintf(stderr, "B, T and repetitions must be positive\n");
    return 2;
  }

  size_t tokens = (size_t)(B * T), states = (size_t)B * H * K * V;
  float *x = random_buffer(tokens * C, 1.0f);
  float *w[5];
  for (int i = 0; i < 5; ++i)
    w[i] = random_buffer(C * C, 0.088f); /* ~ 1/sqrt(C) */
  float *h0 = random_buffer(states, 0.5f);
  float *y = malloc(tokens * C * sizeof(float));
  float *h_last = malloc(states * sizeof(float));

  int status = gla_mixer(B, T, x, w[0], w[1], w[2], w[3], w[4], h0, y, h_last);
  if (status != 0) {
    fprintf(stderr, "%s\n", gla_mixer_status_message(status));
    return 1;
  }
  double *seconds = malloc(repetitions * sizeof(double));
  for (int r = 0; r < repetitions; ++r) {
    double start = now_seconds();
    (void)gla_mixer(B, T, x, w[0], w[1], w[2], w[3], w[4], h0, y, h_last);
    seconds[r] = now_seconds() - start;
  }
  qsort(seconds, repetitions, sizeof(double), compare_doubles);
  double median = seconds[repetitions / 2];
  printf("gla_mixer B=%lld T=%lld: %.3f ms per call (median of %d), "
         "%.0f tokens/s\n",
         (long long)B, (long long)T, 1e3 * median, repetitions,
         (double)tokens / median);

  const char *weight_names[5] = {"w_q", "w_k", "w_v", "w_g", "w_o"};
  save(dir, "x", x, tokens * C);
  for (int i = 0; i < 5; ++i)
    save(dir, weight_names[i], w[i], C * C);
  save(dir, "h0", h0, states);
  save(dir, "y", y, tokens * C);
  save(dir, "h_last", h_last, states);
  return 0;
}
