/* Calls gram with a T whose T * T temporary does not fit in the address
   space this process allows itself: the call returns the out-of-memory
   status instead of crashing, and the same function works afterwards. */
#include "out_of_memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

int main(void) {
  struct rlimit limit = {(rlim_t)1 << 30, (rlim_t)1 << 30}; /* 1 GiB */
  if (setrlimit(RLIMIT_AS, &limit) != 0) {
    perror("setrlimit");
    return 2;
  }
  int64_t T = 20000; /* x x^T: 1.6 GB */
  float *x = calloc((size_t)T * 4, sizeof(float));
  float *y = calloc((size_t)T * 4, sizeof(float));
  int status = gram(T, x, y);
  printf("T = %lld -> %d: %s\n", (long long)T, status,
         gram_status_message(status));

  float small[8] = {1, 0, 0, 0, 0, 1, 0, 0}, out[8];
  status = gram(2, small, out);
  printf("T = 2 -> %d: %s; y[0] = %.1f\n", status, gram_status_message(status),
         out[0]);
  return 0;
}
