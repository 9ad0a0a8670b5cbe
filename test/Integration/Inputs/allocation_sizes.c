/* Calls whose temporaries would take 2^64 bytes or more: each returns a
   status before writing anything (x is NULL and has zero bytes), and the
   same functions work afterwards. */
#include "allocation_sizes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  float total = -1.0f;
  if (argc == 2 && strcmp(argv[1], "short") == 0) {
    /* x says 4 x 4 elements but holds 15: AddressSanitizer sees the read
       of the 16th in the instrumented code. */
    float *x = calloc(15, sizeof(float));
    int status = rowsum(4, 4, x, &total);
    free(x);
    return status;
  }
  int status = rowsum((int64_t)1 << 62, 0, NULL, &total);
  printf("rowsum N = 2^62 -> %d: %s\n", status, rowsum_status_message(status));
  status = rowsum((int64_t)1 << 61, 0, NULL, &total);
  printf("rowsum N = 2^61 -> %d: %s\n", status, rowsum_status_message(status));
  status = squares((int64_t)1 << 31, 0, NULL, &total);
  printf("squares N = 2^31 -> %d: %s\n", status,
         squares_status_message(status));
  status = squares((int64_t)3037000500, 0, NULL, &total);
  printf("squares N = 3037000500 -> %d: %s\n", status,
         squares_status_message(status));
  printf("untouched: %.1f\n", total);

  float x[6] = {1, 2, 3, 4, 5, 6};
  status = rowsum(3, 2, x, &total);
  printf("rowsum N = 3 -> %d: %.1f\n", status, total);
  status = squares(3, 0, NULL, &total);
  printf("squares N = 3 -> %d: %.1f\n", status, total);
  return 0;
}
