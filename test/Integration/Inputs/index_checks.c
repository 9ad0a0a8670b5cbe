/* Calls each function of index_checks.mlir in bounds (the work runs) and
   out of bounds (the call returns the status of the check that failed,
   before the access). */
#include "index_checks.h"

#include <stdio.h>

#define REPORT(name, call)                                                     \
  do {                                                                         \
    int status = call;                                                         \
    printf("%s -> %d: %s\n", #name, status, name##_status_message(status));   \
  } while (0)

int main(void) {
  float x[4] = {1, 2, 3, 4}, y[8] = {0}, out[4] = {0};
  /* pick(N, M, x, y, out): out = x[M] */
  REPORT(pick, pick(4, 3, x, y, out));
  printf("x[3] = %g\n", out[0]);
  REPORT(pick, pick(4, 4, x, y, out));
  REPORT(pick, pick(4, 8, x, y, out));
  /* put(N, M, x, y, out): out = x with out[M] = 1 */
  REPORT(put, put(4, 2, x, y, out));
  printf("out = %g %g %g %g\n", out[0], out[1], out[2], out[3]);
  REPORT(put, put(4, 5, x, y, out));
  /* window(N, M, x, y, out): out = x[M : M + 4] */
  REPORT(window, window(4, 0, x, y, out));
  REPORT(window, window(4, 1, x, y, out));
  /* add(N, M, a, b, out): out = a + b, N == M */
  REPORT(add, add(4, 4, x, y, out));
  REPORT(add, add(4, 3, x, y, out));
  REPORT(add, add(4, 8, x, y, out));
  /* shift(N, M, x, y, out): out[i] = x[i + 1], i < M */
  REPORT(shift, shift(4, 3, x, y, out));
  printf("out = %g %g %g\n", out[0], out[1], out[2]);
  REPORT(shift, shift(4, 4, x, y, out));
  /* fetch(N, M, x, y, out): out = x[M], in a function it calls */
  REPORT(fetch, fetch(4, 2, x, y, out));
  printf("x[2] = %g\n", out[0]);
  REPORT(fetch, fetch(4, 4, x, y, out));
  return 0;
}
