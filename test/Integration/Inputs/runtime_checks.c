/* Calls every function of runtime_checks.mlir with sizes that fail one
   run-time check each, then with consistent sizes but buffers that are NULL
   or overlap, then once with consistent sizes. No buffer is passed to a
   call that fails a size check: a checked function must not touch one. */
#include "runtime_checks.h"

#include <stdio.h>

#define REPORT(name, call)                                                     \
  do {                                                                         \
    int status = call;                                                         \
    printf("%s -> %d: %s\n", #name, status, name##_status_message(status));   \
  } while (0)

int main(void) {
  /* attend(T, H, S, Hkv, S2, q, k, v, o) */
  REPORT(attend, attend(-1, 2, 4, 2, 4, 0, 0, 0, 0));
  REPORT(attend, attend(1, 2, (int64_t)1 << 61, 2, 4, 0, 0, 0, 0));
  REPORT(attend, attend(1, 2, 40, 2, 39, 0, 0, 0, 0));
  REPORT(attend, attend(1, 3, 4, 2, 4, 0, 0, 0, 0));
  REPORT(attend, attend(1, 2, 4, 0, 4, 0, 0, 0, 0));
  /* heads(T, H, q, v, h0, o, h_last): q has a static H = 4 */
  REPORT(heads, heads(2, 8, 0, 0, 0, 0, 0));
  /* conv(T, W, R, ...): R must be W - 1 */
  REPORT(conv, conv(3, 4, 2, 0, 0, 0, 0, 0));
  REPORT(conv, conv(3, 0, 0, 0, 0, 0, 0, 0));
  /* groups(T, D, G, ...) */
  REPORT(groups, groups(2, 6, 4, 0, 0, 0, 0, 0));
  REPORT(groups, groups(2, 6, 0, 0, 0, 0, 0, 0));
  /* scan(T, T2, a, h): the output's T2 must be the input's T */
  REPORT(scan, scan(5, 4, 0, 0));
  REPORT(scan, scan_status_message(0) ? 99 : 0);
  /* split(N, T, x, h, y): N rows expanded into [1, T] */
  REPORT(split, split(5, 4, 0, 0, 0));

  /* Consistent sizes, but buffers that are NULL or overlap. */
  float a[1 * 3 * 8], h[1 * 3 * 8];
  float q[8] = {0}, k[32] = {0}, v[32] = {0};
  REPORT(scan, scan(3, 3, 0, h));
  REPORT(attend, attend(1, 2, 4, 2, 4, q, k, v, k));
  REPORT(attend, attend(1, 2, 4, 2, 4, q, k, v, v + 24));
  REPORT(conv, conv(3, 4, 3, a, k, h, a, h));
  REPORT(conv, conv(3, 4, 3, a, k, h, v, v + 4));
  /* Only the second output, s, overlaps (the input x): its own status. */
  REPORT(conv, conv(3, 4, 3, a, k, h, v, a));
  /* Zero-byte buffers overlap nothing and may be NULL; a call with empty
     outputs only returns at once, whatever its other sizes. */
  REPORT(scan, scan(0, 0, 0, 0));
  REPORT(twice, twice((int64_t)1 << 40, 0, 0, 0));
  REPORT(twice, twice(0, (int64_t)1 << 40, 0, 0));

  /* Consistent sizes: the work runs. */
  for (int i = 0; i < 24; ++i)
    a[i] = 0.5f;
  REPORT(scan, scan(3, 3, a, h));
  printf("h[last] = %.4f\n", h[23]);
  return 0;
}
