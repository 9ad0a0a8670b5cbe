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
  status = gla_mixer(B, T, x, w, w, w, w, w, h0, y, h, 0, NULL);
  printf("gla_mixer: status %d: %s\n", status, recur_cuda_error_message());
  status = gla_mixer(B, T, x, w, w, w, w, w, h0, y, h, 0, w);
  printf("gla_mixer with a workspace: status %d: %s\n", status,
         recur_cuda_error_message());
  /* The workspace a call needs is known without a driver: it grows with
   * T, and sizes the entry checks refuse need none. */
  size_t small = gla_mixer_workspace_size(1, 3);
  size_t large = gla_mixer_workspace_size(2, 300);
  printf("workspace: %s, %s, %s, %s\n", small > 0 ? "needed" : "none",
         large > small ? "grows" : "does not grow",
         gla_mixer_workspace_size(1, 3) == small ? "repeatable" : "varies",
         gla_mixer_workspace_size(-1, 3) == 0 ? "0 for bad sizes" : "wrong");
  printf("workspace %% %d: %zu\n", RECUR_CUDA_WORKSPACE_ALIGNMENT,
         small % RECUR_CUDA_WORKSPACE_ALIGNMENT);
  free(x), free(w), free(h0), free(y), free(h);
  return 0;
}
