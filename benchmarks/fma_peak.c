/* Single-thread FP32 FMA peak of this CPU: independent chains of vector FMAs
 * kept in registers (12 accumulators hide the FMA latency), with inputs read
 * through volatile so the compiler cannot fold the loop away. Built with
 * -O2 -march=native; uses AVX-512 when the compiler targets it, else AVX2.
 *
 *   fma_peak [iterations]      prints GFLOP/s (best of 5 runs) */

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#elif defined(__FMA__)
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#else
#error "needs AVX2 with FMA or AVX-512"
#endif

enum { CHAINS = 12 };
static volatile float seed_a = 0.999f, seed_b = 1e-7f;
static volatile float sink;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double run(long iterations) {
  vec a = SET1(seed_a), b = SET1(seed_b);
  vec acc[CHAINS];
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = SET1((float)i);
  double start = now();
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < CHAINS; ++i)
      acc[i] = FMA(acc[i], a, b);
  double seconds = now() - start;
  vec total = acc[0];
  for (int i = 1; i < CHAINS; ++i)
    total = ADD(total, acc[i]);
  float out[LANES];
  STORE(out, total);
  sink = out[0];
  return 2.0 * LANES * CHAINS * (double)iterations / seconds / 1e9;
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 100000000L;
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    double gflops = run(iterations);
    if (gflops > best)
      best = gflops;
  }
  printf("%.1f\n", best);
  return 0;
}
