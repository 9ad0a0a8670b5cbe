/* Single-thread memory bandwidth: the STREAM triad a[i] = b[i] + s * c[i]
 * over three arrays of `mib` MiB each (far larger than the caches), best of
 * 5 runs. Counts 3 arrays moved per pass (2 read, 1 written), as STREAM
 * does.
 *
 *   triad [mib]      prints GB/s */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 256;
  size_t n = mib * 1024 * 1024 / sizeof(float);
  float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float)),
        *c = malloc(n * sizeof(float));
  if (!a || !b || !c)
    return 1;
  for (size_t i = 0; i < n; ++i) {
    a[i] = 0.0f;
    b[i] = 1.0f;
    c[i] = 2.0f;
  }
  volatile float s = 0.5f;
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    float scale = s;
    double start = now();
    for (size_t i = 0; i < n; ++i)
      a[i] = b[i] + scale * c[i];
    double seconds = now() - start;
    double rate = 3.0 * n * sizeof(float) / seconds / 1e9;
    if (rate > best)
      best = rate;
  }
  printf("%.2f\n", best + 0.0 * a[n / 2]);
  return 0;
}
