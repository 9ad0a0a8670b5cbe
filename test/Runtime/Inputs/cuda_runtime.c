/* The CUDA runtime (recur/cuda_calls.h) on the kernels of
 * cuda_kernels.ptx. `cuda_runtime KERNELS.ptx` runs a NAME_host-style call
 * whose entry point allocates a temporary and launches both kernels, as
 * code compiled for the cuda target does, checks every value exactly,
 * then checks that bad launches fail with a message, and calls from
 * several threads at once. `cuda_runtime --unavailable` expects the driver
 * to be unusable (no libcuda.so.1, no device, a device index that does
 * not exist) and checks that every call fails with a status and the
 * message instead of crashing. */

#include "recur/cuda_calls.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  N = 1000, /* not a multiple of the block: the kernels' bounds checks */
  BLOCK = 128,
  THREADS = 4,
};

/* Stops the test at a call that should succeed. */
#define CHECK(call)                                                            \
  do {                                                                         \
    int status_ = (call);                                                      \
    if (status_) {                                                             \
      printf("FAIL line %d: %s: status %d: %s\n", __LINE__, #call, status_,    \
             recur_cuda_error_message());                                      \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* Prints a call that should fail, with its status and message. */
#define EXPECT_FAILURE(what, call)                                             \
  do {                                                                         \
    int status_ = (call);                                                      \
    printf("%s: status %d: %s\n", what, status_, recur_cuda_error_message());  \
    if (!status_ || !recur_cuda_error_message()[0]) {                          \
      printf("FAIL line %d: %s succeeded or said nothing\n", __LINE__, #call); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* The kernels' descriptions, as recur_cuda_launch takes them:
 * {image, its bytes, name, parameter count, dynamic shared memory bytes}. */
static int64_t iota[5], axpy[5];

static const char *ptx;

static void loadKernels(const char *path) {
  FILE *file = fopen(path, "rb");
  if (!file || fseek(file, 0, SEEK_END) || ftell(file) <= 0) {
    printf("FAIL: cannot read %s\n", path);
    exit(1);
  }
  long bytes = ftell(file);
  char *text = calloc((size_t)bytes + 1, 1); /* PTX ends in a NUL */
  rewind(file);
  if (!text || fread(text, 1, (size_t)bytes, file) != (size_t)bytes) {
    printf("FAIL: cannot read %s\n", path);
    exit(1);
  }
  fclose(file);
  ptx = text;
  /* iota asks for more dynamic shared memory than a block has without
   * opting in (it uses none): every launch of it checks the opt-in. */
  int64_t iotaKernel[5] = {(int64_t)(intptr_t)text, bytes + 1,
                           (int64_t)(intptr_t) "iota_f32", 3, 64 * 1024};
  int64_t axpyKernel[5] = {(int64_t)(intptr_t)text, bytes + 1,
                           (int64_t)(intptr_t) "axpy", 4, 0};
  memcpy(iota, iotaKernel, sizeof iota);
  memcpy(axpy, axpyKernel, sizeof axpy);
}

static int64_t floatBits(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

static int64_t address(const void *pointer) {
  return (int64_t)(intptr_t)pointer;
}

static int launch(const int64_t *kernel, int64_t grid, int64_t block,
                  const int64_t *args) {
  return recur_cuda_launch(address(kernel), grid, 1, 1, block, 1, 1,
                           address(args), 0);
}

/* The entry point of `shift`, as code compiled for the cuda target would
 * be: x is an input, y an output, both n floats; a temporary t:
 *   t = iota(0.5), y += 2 t, y -= x, so y = y_in + 1 + 2 i - x. */
static int shiftEntry(const int64_t *dims, void *const *buffers,
                      int64_t stream) {
  int64_t n = dims[0];
  if (n < 0)
    return 7; /* the entry's own status for a bad size */
  if (n > 0 && (!buffers[0] || !buffers[1]))
    return 8;
  void *t = recur_cuda_malloc((uint64_t)n * sizeof(float), stream);
  if (!t)
    return RECUR_CUDA_DEVICE_ERROR;
  int64_t grid = (n + BLOCK - 1) / BLOCK;
  int64_t iotaArgs[3][2] = {{address(t), 8}, {floatBits(0.5f), 4}, {n, 8}};
  int64_t twiceT[4][2] = {
      {address(buffers[1]), 8}, {address(t), 8}, {floatBits(2.0f), 4}, {n, 8}};
  int64_t minusX[4][2] = {{address(buffers[1]), 8},
                          {address(buffers[0]), 8},
                          {floatBits(-1.0f), 4},
                          {n, 8}};
  int status = recur_cuda_launch(address(iota), grid, 1, 1, BLOCK, 1, 1,
                                 address(iotaArgs), stream);
  if (!status)
    status = recur_cuda_launch(address(axpy), grid, 1, 1, BLOCK, 1, 1,
                               address(twiceT), stream);
  if (!status)
    status = recur_cuda_launch(address(axpy), grid, 1, 1, BLOCK, 1, 1,
                               address(minusX), stream);
  recur_cuda_free(t, stream);
  return status ? RECUR_CUDA_DEVICE_ERROR : 0;
}

/* An entry point whose launch fails: a block of 0 threads. */
static int failingEntry(const int64_t *dims, void *const *buffers,
                        int64_t stream) {
  int64_t args[4][2] = {
      {address(buffers[1]), 8}, {address(buffers[0]), 8}, {0, 4}, {dims[0], 8}};
  return recur_cuda_launch(address(axpy), 1, 1, 1, 0, 1, 1, address(args),
                           stream)
             ? RECUR_CUDA_DEVICE_ERROR
             : 0;
}

static const int64_t shiftShape[1] = {-1}; /* dims[0] */
static const char *const shiftDims[1] = {"n"};
static const recur_buffer_info shiftBuffers[2] = {
    {"x", NULL, "f32", 0, 1, shiftShape, 0},
    {"y", NULL, "f32", 1, 1, shiftShape, 0},
};
static const recur_function_info shift = {"shift",      1,    shiftDims, 2,
                                          shiftBuffers, NULL, NULL};

/* Runs shift through recur_cuda_call_host on n values; the number of
 * wrong ones, or -1 when the call failed. */
static int runShift(int64_t n, int salt) {
  float *x = malloc((size_t)(n ? n : 1) * sizeof *x);
  float *y = malloc((size_t)(n ? n : 1) * sizeof *y);
  if (!x || !y) {
    printf("FAIL: out of memory\n");
    exit(1);
  }
  for (int64_t i = 0; i < n; ++i) {
    x[i] = (float)((i + salt) % 7);
    y[i] = (float)(3 * ((i + salt) % 5));
  }
  int64_t dims[1] = {n};
  void *buffers[2] = {x, y};
  int wrong = recur_cuda_call_host(&shift, dims, buffers, shiftEntry) ? -1 : 0;
  for (int64_t i = 0; i < n && wrong >= 0; ++i)
    wrong += y[i] != (float)(3 * ((i + salt) % 5) + 1 + 2 * i -
                             (float)((i + salt) % 7));
  free(x);
  free(y);
  return wrong;
}

/* Temporaries from a caller's workspace: in order, aligned, never past
 * its allocation; from nothing in a dry run; stream-ordered again
 * without one. */
static void testWorkspace(void) {
  char *space = recur_cuda_malloc(1000, 0);
  recur_cuda_set_workspace(space);
  char *a = recur_cuda_malloc_current(10);
  char *b = recur_cuda_malloc_current(300);
  printf("workspace: %td, %td\n", a - space, b - space);
  recur_cuda_free_current(a); /* nothing: the workspace is the caller's */
  void *c = recur_cuda_malloc_current(500);
  printf("workspace overflow: %s: %s\n", c ? "not NULL" : "NULL",
         recur_cuda_error_message());
  recur_cuda_set_workspace(space + 4096);
  c = recur_cuda_malloc_current(16);
  printf("workspace outside device memory: %s: %s\n",
         c ? "not NULL" : "NULL", recur_cuda_error_message());
  recur_cuda_set_workspace(space + 16);
  c = recur_cuda_malloc_current(16);
  printf("misaligned workspace: %s: %s\n", c ? "not NULL" : "NULL",
         recur_cuda_error_message());
  recur_cuda_measure_begin();
  recur_cuda_malloc_current(1);
  recur_cuda_malloc_current(257);
  int launched = recur_cuda_launch(0, 1, 1, 1, 1, 1, 1, 0, 0);
  printf("dry run: %llu bytes, launch status %d\n",
         (unsigned long long)recur_cuda_measure_end(), launched);
  recur_cuda_set_workspace(NULL);
  void *d = recur_cuda_malloc_current(16);
  printf("no workspace: %s\n", d ? "allocated" : "NULL");
  recur_cuda_free_current(d);
  recur_cuda_free(space, 0);
  CHECK(recur_cuda_sync(0));
}

static void *runThread(void *argument) {
  int salt = (int)(intptr_t)argument;
  return (void *)(intptr_t)runShift(N + 37 * salt, salt);
}

static int runThreads(void *(*body)(void *)) {
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; ++t)
    if (pthread_create(&threads[t], NULL, body, (void *)(intptr_t)(t + 1))) {
      printf("FAIL: pthread_create\n");
      exit(1);
    }
  int total = 0;
  for (int t = 0; t < THREADS; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    total += (int)(intptr_t)result;
  }
  return total;
}

/* The driver's cuFuncGetParamInfo (CUDA 12.4), which the parameter
 * checks need. */
static int driverHasParamInfo(void) {
  void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  int has = driver && dlsym(driver, "cuFuncGetParamInfo");
  if (driver)
    dlclose(driver);
  return has;
}

static int runKernels(const char *path) {
  loadKernels(path);
  int64_t args[5][2] = {{0, 8}, {0, 8}, {floatBits(1.0f), 4}, {0, 8}, {0, 8}};

  /* Before the first launch of a kernel: its parameters are read. */
  if (!driverHasParamInfo()) {
    printf("FAIL: the driver has no cuFuncGetParamInfo (CUDA 12.4 or newer "
           "is needed for this test)\n");
    return 1;
  }
  axpy[3] = 5;
  EXPECT_FAILURE("too many parameters", launch(axpy, 1, BLOCK, &args[0][0]));
  axpy[3] = 4;
  iota[3] = 2;
  EXPECT_FAILURE("too few parameters", launch(iota, 1, BLOCK, &args[0][0]));
  iota[3] = 3;
  args[2][1] = 8;
  EXPECT_FAILURE("an 8-byte float", launch(axpy, 1, BLOCK, &args[0][0]));
  args[2][1] = 4;
  EXPECT_FAILURE("a block of 2048 threads", launch(axpy, 1, 2048, &args[0][0]));
  EXPECT_FAILURE(
      "a block of 32 x 32 x 2",
      recur_cuda_launch(address(axpy), 1, 1, 1, 32, 32, 2, address(args), 0));
  EXPECT_FAILURE("a grid of 1 x 70000 x 1",
                 recur_cuda_launch(address(axpy), 1, 70000, 1, BLOCK, 1, 1,
                                   address(args), 0));
  int64_t missing[5] = {iota[0], iota[1], address("no_such_kernel"), 0, 0};
  EXPECT_FAILURE("a missing kernel", launch(missing, 1, 1, NULL));
  const char notPTX[] = "not a PTX module";
  int64_t invalid[5] = {address(notPTX), sizeof notPTX, address("axpy"), 4,
                        0};
  EXPECT_FAILURE("not PTX", launch(invalid, 1, BLOCK, &args[0][0]));
  const char unterminated[8] = {'1', '2', '3', '4', '5', '6', '7', '8'};
  int64_t noNul[5] = {address(unterminated), sizeof unterminated,
                      address("axpy"), 4, 0};
  EXPECT_FAILURE("no NUL", launch(noNul, 1, BLOCK, &args[0][0]));

  int wrong = runShift(N, 0);
  printf("round trip of %d values: %d wrong\n", N, wrong);
  printf("no values: %d\n", runShift(0, 0));
  axpy[3] = 3;
  EXPECT_FAILURE("a different parameter count",
                 launch(axpy, 1, BLOCK, &args[0][0]));
  axpy[3] = 4;
  iota[4] = 0;
  EXPECT_FAILURE("a different shared memory size",
                 launch(iota, 1, BLOCK, &args[0][0]));
  iota[4] = -1;
  EXPECT_FAILURE("a negative shared memory size",
                 launch(iota, 1, BLOCK, &args[0][0]));
  iota[4] = INT_MAX;
  EXPECT_FAILURE("more shared memory than the device gives",
                 launch(iota, 1, BLOCK, &args[0][0]));
  iota[4] = 64 * 1024;

  void *empty = recur_cuda_malloc(0, 0);
  printf("malloc of 0 bytes: %s\n", empty ? "not NULL" : "NULL");
  recur_cuda_free(empty, 0);
  void *huge = recur_cuda_malloc(UINT64_C(1) << 62, 0);
  printf("malloc of 2^62 bytes: %s: %s\n", huge ? "not NULL" : "NULL",
         recur_cuda_error_message());
  recur_cuda_free(huge, 0);
  CHECK(recur_cuda_sync(0));
  testWorkspace();

  float x[4] = {0}, y[4] = {0};
  void *buffers[2] = {x, y};
  int64_t dims[1] = {4};
  EXPECT_FAILURE("a failing entry point",
                 recur_cuda_call_host(&shift, dims, buffers, failingEntry));
  printf("%d threads: %d wrong\n", THREADS, runThreads(runThread));
  printf("after the threads: %d wrong\n", runShift(N, 0));
  free((void *)ptx);
  printf("done\n");
  return 0;
}

/* Every call on an unusable driver, from one thread. */
static void *failEverything(void *unused) {
  (void)unused;
  static const char ptxText[] = "// no kernels\n";
  int64_t kernel[5] = {address(ptxText), sizeof ptxText, address("iota_f32"),
                       3, 0};
  int64_t args[3][2] = {{0, 8}, {0, 4}, {0, 8}};
  int failed = recur_cuda_launch(address(kernel), 1, 1, 1, 1, 1, 1,
                                 address(args), 0) != 0 &&
               recur_cuda_error_message()[0];
  return (void *)(intptr_t)failed;
}

static int runUnavailable(void) {
  static const char ptxText[] = "// no kernels\n";
  int64_t kernel[5] = {address(ptxText), sizeof ptxText, address("iota_f32"),
                       3, 0};
  int64_t args[3][2] = {{0, 8}, {0, 4}, {0, 8}};
  EXPECT_FAILURE("launch", launch(kernel, 1, 1, &args[0][0]));
  EXPECT_FAILURE("launch again", launch(kernel, 1, 1, &args[0][0]));
  printf(
      "zero blocks: status %d\n",
      recur_cuda_launch(address(kernel), 4, 0, 1, 1, 1, 1, address(args), 0));
  EXPECT_FAILURE("a negative grid", launch(kernel, -1, 1, &args[0][0]));
  EXPECT_FAILURE("an empty block", launch(kernel, 1, 0, &args[0][0]));
  args[1][1] = 2;
  EXPECT_FAILURE("a 2-byte parameter", launch(kernel, 1, 1, &args[0][0]));
  EXPECT_FAILURE("no arguments", launch(kernel, 1, 1, NULL));
  EXPECT_FAILURE("no kernel", recur_cuda_launch(0, 1, 1, 1, 1, 1, 1, 0, 0));

  void *pointer = recur_cuda_malloc(64, 0);
  printf("malloc: %s: %s\n", pointer ? "not NULL" : "NULL",
         recur_cuda_error_message());
  recur_cuda_free(NULL, 0);
  printf("free(NULL): ok\n");
  EXPECT_FAILURE("sync", recur_cuda_sync(0));

  float x[4] = {0}, y[4] = {0};
  void *buffers[2] = {x, y};
  int64_t dims[1] = {4};
  EXPECT_FAILURE("call_host",
                 recur_cuda_call_host(&shift, dims, buffers, shiftEntry));
  dims[0] = -1;
  printf("call_host with n = -1: status %d\n",
         recur_cuda_call_host(&shift, dims, buffers, shiftEntry));

  printf("%d threads: %d failed with a message\n", THREADS,
         runThreads(failEverything));
  printf("fail: status %d: %s\n", recur_cuda_fail(5, "custom %d", 42),
         recur_cuda_error_message());
  printf("done\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    printf("usage: cuda_runtime KERNELS.ptx | --unavailable\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  return strcmp(argv[1], "--unavailable") == 0 ? runUnavailable()
                                               : runKernels(argv[1]);
}
