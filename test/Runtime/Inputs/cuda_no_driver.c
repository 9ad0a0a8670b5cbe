/* Calls a cuda-target model (gla.h) through NAME_host and through NAME on
 * a machine without the CUDA driver: both return the device-error status
 * with the loader's message. */
#define RECUR_DEFINE_HOST_ENTRIES
#include "gla.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  enum { B = 1, T = 3, C = 128, H = 4, K = 32 };
  float *x = calloc(B * T * C, sizeof(float));
  float *w = calloc(C * C, sizeof(float));
  float *h0 = calloc(B * H * K * K, sizeof(float));
  float *y = calloc(B * T * C, sizeof(float));
  float *h = calloc(B * H * K * K, sizeof(float));
  if (!x || !w || !h0 || !y || !h)
    return 2;
  int status = gla_mixer_host(B, T, x, w, w, w, w, w, h0, y, h);
  printf("gla_mixer_host: status %d: %s\n", status, recur_cuda_error_message());
  /* Device pointers: any non-NULL values; nothing is launched. */
  status = gla_mixer(B, T, x, w, w, w, w, w, h0, y, h, 0);
  printf("gla_mixer: status %d: %s\n", status, recur_cuda_error_message());
  free(x), free(w), free(h0), free(y), free(h);
  return 0;
}
