/* The Vulkan runtime (recur/vulkan.h) on the kernels of vulkan_kernels.mlir,
 * serialized to SPIR-V: `vulkan_runtime KERNELS.spv` runs them and checks
 * the results exactly, then checks that bad calls fail with a message
 * (pointers that are not live buffers among them: host pointers, destroyed
 * buffers, another context's, and buffers destroyed twice);
 * `vulkan_runtime --no-device` expects creating a context to fail (the
 * test hides every Vulkan driver) and prints the message. */

#include "recur/vulkan.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  N = 1024,       /* elements of x, y and h: 16 workgroups of 64 */
  SAXPY_N = 1000, /* saxpy updates y[0, 1000) only */
  GROUPS = N / 64,
  THREADS = 4,
};

/* Stops the test at a call that should succeed. */
#define CHECK(call)                                                            \
  do {                                                                         \
    int status_ = (call);                                                      \
    if (status_) {                                                             \
      printf("FAIL line %d: %s: status %d: %s\n", __LINE__, #call, status_,    \
             recur_vk_error_message());                                        \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* Prints a call that should fail, with its status and message. */
#define EXPECT_FAILURE(what, call)                                             \
  do {                                                                         \
    int status_ = (call);                                                      \
    printf("%s: status %d: %s\n", what, status_, recur_vk_error_message());    \
    if (!status_ || !recur_vk_error_message()[0]) {                            \
      printf("FAIL line %d: %s succeeded or said nothing\n", __LINE__, #call); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* A call given `pointer`, which is not a live buffer of the context: it
 * fails with a message naming the pointer. */
#define EXPECT_NOT_LIVE(what, pointer, call)                                   \
  do {                                                                         \
    EXPECT_FAILURE(what, call);                                                \
    expectNamed(pointer, __LINE__);                                            \
  } while (0)

/* The last message says that `pointer` is not a live buffer. */
static void expectNamed(const void *pointer, int line) {
  char named[64];
  snprintf(named, sizeof named, "0x%" PRIxPTR " is not a live buffer",
           (uintptr_t)pointer);
  if (!strstr(recur_vk_error_message(), named)) {
    printf("FAIL line %d: the message does not say \"%s\"\n", line, named);
    exit(1);
  }
}

/* Destroys `buffer`, which is not live (anymore): that frees nothing, and
 * leaves a message naming it. */
static void destroyNotLive(const char *what, recur_vk_context *vk,
                           recur_vk_buffer *buffer, int line) {
  recur_vk_fail(0, "%s", "");
  recur_vk_buffer_destroy(vk, buffer);
  printf("%s: %s\n", what, recur_vk_error_message());
  expectNamed(buffer, line);
}

static recur_vk_kernel saxpy = {NULL, 0, "saxpy", 4, 0};
static recur_vk_kernel reverseAdd = {NULL, 0, "reverse_add", 3, 0};

/* The SPIR-V module, in words (as the generated code keeps it). */
static void loadKernels(const char *path) {
  FILE *file = fopen(path, "rb");
  if (!file || fseek(file, 0, SEEK_END) || ftell(file) <= 0) {
    printf("FAIL: cannot read %s\n", path);
    exit(1);
  }
  long bytes = ftell(file);
  uint32_t *words = malloc((size_t)bytes);
  rewind(file);
  if (!words || fread(words, 1, (size_t)bytes, file) != (size_t)bytes) {
    printf("FAIL: cannot read %s\n", path);
    exit(1);
  }
  fclose(file);
  saxpy.spirv = reverseAdd.spirv = words;
  saxpy.spirv_bytes = reverseAdd.spirv_bytes = (uint64_t)bytes;
}

static uint16_t halfBits(float value) {
  _Float16 half = (_Float16)value;
  uint16_t bits;
  memcpy(&bits, &half, sizeof bits);
  return bits;
}

/* The index whose h value reverse_add adds at index i. */
static int mirrored(int i) { return i / 64 * 64 + 63 - i % 64; }

static recur_vk_arg view(recur_vk_buffer *buffer, uint64_t offset,
                         uint64_t size) {
  recur_vk_arg arg = recur_vk_arg_buffer(buffer);
  arg.offset = offset;
  arg.size = size;
  return arg;
}

static int countMismatches(const float *got, const float *want, int count) {
  int wrong = 0;
  for (int i = 0; i < count; ++i)
    if (got[i] != want[i]) {
      if (wrong < 5)
        printf("mismatch at %d: %g, expected %g\n", i, got[i], want[i]);
      ++wrong;
    }
  return wrong;
}

static float x[N], y[N], h[N], z[2 * N];
static uint16_t hBits[N];

/* Both kernels twice in one recording: saxpy (a = 2), reverse_add into the
 * first half of z, saxpy (a = 0.5), reverse_add into the second half (an
 * offset view up to the end). Each dispatch reads what the one before it
 * wrote. */
static void checkRecording(recur_vk_context *vk) {
  for (int i = 0; i < N; ++i) {
    x[i] = (float)(i % 7 - 3);
    y[i] = (float)(i % 5);
    h[i] = (float)(i % 11) * 0.25f - 1.0f;
    hBits[i] = halfBits(h[i]);
  }
  recur_vk_buffer *xb, *yb, *hb, *zb;
  CHECK(recur_vk_buffer_create(vk, sizeof x, &xb));
  CHECK(recur_vk_buffer_create(vk, sizeof y, &yb));
  CHECK(recur_vk_buffer_create(vk, sizeof hBits, &hb));
  CHECK(recur_vk_buffer_create(vk, sizeof z, &zb));
  CHECK(recur_vk_buffer_write(vk, xb, 0, x, sizeof x));
  CHECK(recur_vk_buffer_write(vk, yb, 0, y, sizeof y));
  CHECK(recur_vk_buffer_write(vk, hb, 0, hBits, sizeof hBits));
  for (int i = 0; i < 2 * N; ++i)
    z[i] = -100.0f;
  CHECK(recur_vk_buffer_write(vk, zb, 0, z, sizeof z));

  recur_vk_arg first[] = {recur_vk_arg_f32(2.0f), recur_vk_arg_buffer(xb),
                          recur_vk_arg_buffer(yb), recur_vk_arg_i64(SAXPY_N)};
  recur_vk_arg firstZ[] = {recur_vk_arg_buffer(hb), recur_vk_arg_buffer(yb),
                           view(zb, 0, N * sizeof(float))};
  recur_vk_arg second[] = {recur_vk_arg_f32(0.5f), recur_vk_arg_buffer(xb),
                           recur_vk_arg_buffer(yb), recur_vk_arg_i64(SAXPY_N)};
  recur_vk_arg secondZ[] = {recur_vk_arg_buffer(hb), recur_vk_arg_buffer(yb),
                            view(zb, N * sizeof(float), 0)};
  CHECK(recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, first));
  CHECK(recur_vk_dispatch(vk, &reverseAdd, GROUPS, 1, 1, firstZ));
  CHECK(recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, second));
  CHECK(recur_vk_dispatch(vk, &reverseAdd, GROUPS, 1, 1, secondZ));
  CHECK(recur_vk_finish(vk));

  float gotY[N], gotZ[2 * N], wantY[N], wantZ[2 * N];
  CHECK(recur_vk_buffer_read(vk, yb, 0, gotY, sizeof gotY));
  CHECK(recur_vk_buffer_read(vk, zb, 0, gotZ, sizeof gotZ));
  for (int i = 0; i < N; ++i) {
    float y1 = i < SAXPY_N ? 2.0f * x[i] + y[i] : y[i];
    float y2 = i < SAXPY_N ? 0.5f * x[i] + y1 : y1;
    wantZ[i] = h[mirrored(i)] + y1;
    wantZ[N + i] = h[mirrored(i)] + y2;
    wantY[i] = y2;
  }
  int wrong =
      countMismatches(gotY, wantY, N) + countMismatches(gotZ, wantZ, 2 * N);
  printf("recording of 4 dispatches: %d of %d values wrong\n", wrong, 3 * N);

  /* A read submits and waits for the dispatches recorded before it. */
  recur_vk_arg third[] = {recur_vk_arg_f32(1.0f), recur_vk_arg_buffer(xb),
                          recur_vk_arg_buffer(yb), recur_vk_arg_i64(N)};
  CHECK(recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, third));
  CHECK(recur_vk_buffer_read(vk, yb, 0, gotY, sizeof gotY));
  for (int i = 0; i < N; ++i)
    wantY[i] += x[i];
  printf("read without finish: %d of %d values wrong\n",
         countMismatches(gotY, wantY, N), N);

  /* Group counts of 0 dispatch nothing. */
  CHECK(recur_vk_dispatch(vk, &saxpy, 0, 1, 1, third));
  CHECK(recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 0, third));
  CHECK(recur_vk_finish(vk));
  CHECK(recur_vk_buffer_read(vk, yb, 0, gotY, sizeof gotY));
  printf("zero groups: %d of %d values changed\n",
         countMismatches(gotY, wantY, N), N);

  /* A buffer destroyed while a dispatch uses it lives until the finish. */
  recur_vk_buffer *scratch;
  CHECK(recur_vk_buffer_create(vk, N * sizeof(float), &scratch));
  recur_vk_arg toScratch[] = {recur_vk_arg_buffer(hb), recur_vk_arg_buffer(yb),
                              recur_vk_arg_buffer(scratch)};
  CHECK(recur_vk_dispatch(vk, &reverseAdd, GROUPS, 1, 1, toScratch));
  recur_vk_buffer_destroy(vk, scratch);
  CHECK(recur_vk_finish(vk));
  printf("buffer destroyed before finish: ok\n");

  recur_vk_buffer_destroy(vk, xb);
  recur_vk_buffer_destroy(vk, yb);
  recur_vk_buffer_destroy(vk, hb);
  recur_vk_buffer_destroy(vk, zb);
}

/* Bad calls fail with a status and a message, and change nothing. */
static void checkErrors(recur_vk_context *vk) {
  recur_vk_buffer *buffer, *empty;
  CHECK(recur_vk_buffer_create(vk, N * sizeof(float), &buffer));
  CHECK(recur_vk_buffer_create(vk, 0, &empty));
  float host[8] = {0};
  EXPECT_FAILURE("read past the end",
                 recur_vk_buffer_read(vk, buffer, N * sizeof(float) - 16, host,
                                      sizeof host));
  EXPECT_FAILURE("write with an overflowing offset",
                 recur_vk_buffer_write(vk, buffer, UINT64_MAX - 3, host, 8));
  CHECK(recur_vk_buffer_read(vk, empty, 0, host, 0));
  EXPECT_FAILURE("read from an empty buffer",
                 recur_vk_buffer_read(vk, empty, 0, host, 1));

  recur_vk_arg args[] = {recur_vk_arg_f32(1.0f), recur_vk_arg_buffer(buffer),
                         recur_vk_arg_buffer(buffer), recur_vk_arg_i64(N)};
  EXPECT_FAILURE("too many groups",
                 recur_vk_dispatch(vk, &saxpy, UINT32_MAX, 1, 1, args));
  EXPECT_FAILURE("no arguments",
                 recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, NULL));
  recur_vk_arg bad[4];
  memcpy(bad, args, sizeof args);
  bad[0].scalar_bytes = 3;
  EXPECT_FAILURE("a 3-byte scalar",
                 recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, bad));
  memcpy(bad, args, sizeof args);
  bad[1] = view(buffer, 2, 0);
  EXPECT_FAILURE("an unaligned offset",
                 recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, bad));
  memcpy(bad, args, sizeof args);
  bad[2] = view(buffer, 256, N * sizeof(float));
  EXPECT_FAILURE("a view past the end",
                 recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, bad));
  memcpy(bad, args, sizeof args);
  bad[2].buffer = NULL;
  EXPECT_FAILURE("a NULL buffer",
                 recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, bad));
  recur_vk_kernel missing = saxpy;
  missing.entry = "no_such_kernel";
  EXPECT_FAILURE("a missing entry point",
                 recur_vk_dispatch(vk, &missing, 1, 1, 1, args));
  recur_vk_kernel garbage = saxpy;
  garbage.spirv = (const uint32_t *)host;
  EXPECT_FAILURE("not SPIR-V", recur_vk_dispatch(vk, &garbage, 1, 1, 1, args));
  recur_vk_kernel greedy = saxpy;
  greedy.shared_bytes = UINT64_C(1) << 40;
  EXPECT_FAILURE("too much shared memory",
                 recur_vk_dispatch(vk, &greedy, 1, 1, 1, args));

  /* Pointers that are not buffers: the runtime must not read through
   * them. A local array's address, ... */
  float local[16] = {0};
  recur_vk_buffer *notBuffer = (recur_vk_buffer *)(void *)local;
  memcpy(bad, args, sizeof args);
  bad[2].buffer = notBuffer;
  EXPECT_NOT_LIVE("a host pointer as a kernel argument", notBuffer,
                  recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, bad));
  EXPECT_NOT_LIVE("a host pointer to write", notBuffer,
                  recur_vk_buffer_write(vk, notBuffer, 0, host, 4));
  EXPECT_NOT_LIVE("a host pointer to read", notBuffer,
                  recur_vk_buffer_read(vk, notBuffer, 0, host, 4));
  destroyNotLive("a host pointer destroyed", vk, notBuffer, __LINE__);
  /* ... and a destroyed buffer (freed memory, for AddressSanitizer). */
  recur_vk_buffer *gone;
  CHECK(recur_vk_buffer_create(vk, N * sizeof(float), &gone));
  recur_vk_buffer_destroy(vk, gone);
  memcpy(bad, args, sizeof args);
  bad[1].buffer = gone;
  EXPECT_NOT_LIVE("a destroyed buffer as a kernel argument", gone,
                  recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, bad));
  EXPECT_NOT_LIVE("a destroyed buffer to write", gone,
                  recur_vk_buffer_write(vk, gone, 0, host, 4));
  EXPECT_NOT_LIVE("a destroyed buffer to read", gone,
                  recur_vk_buffer_read(vk, gone, 0, host, 4));
  destroyNotLive("a buffer destroyed twice", vk, gone, __LINE__);

  /* Nothing was recorded: a finish runs nothing, and the context works. */
  CHECK(recur_vk_finish(vk));
  CHECK(recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, args));
  CHECK(recur_vk_finish(vk));
  printf("after the errors: ok\n");

  /* Destroyed twice while a dispatch uses it: freed once, at the finish. */
  recur_vk_buffer *used;
  CHECK(recur_vk_buffer_create(vk, N * sizeof(float), &used));
  recur_vk_arg toUsed[] = {recur_vk_arg_f32(1.0f), recur_vk_arg_buffer(buffer),
                           recur_vk_arg_buffer(used), recur_vk_arg_i64(N)};
  CHECK(recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, toUsed));
  recur_vk_buffer_destroy(vk, used);
  destroyNotLive("destroyed twice before finish", vk, used, __LINE__);
  CHECK(recur_vk_finish(vk));
  CHECK(recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, args));
  CHECK(recur_vk_finish(vk));
  printf("after the double destroys: ok\n");
  recur_vk_buffer_destroy(vk, buffer);
  recur_vk_buffer_destroy(vk, empty);
}

/* Many buffers (the registry of live buffers grows several times), a
 * third destroyed in a scrambled order: each live one is still found and
 * each destroyed one is not. */
static void checkManyBuffers(recur_vk_context *vk) {
  enum { MANY = 300 };
  static recur_vk_buffer *many[MANY];
  for (int i = 0; i < MANY; ++i)
    CHECK(recur_vk_buffer_create(vk, 16, &many[i]));
  int destroyed = 0, wrong = 0;
  for (int k = 0; k < MANY; ++k) {
    int i = k * 7 % MANY; /* 7 is coprime to MANY: each index once */
    if (i % 3 == 0) {
      recur_vk_buffer_destroy(vk, many[i]);
      ++destroyed;
    }
  }
  for (int i = 0; i < MANY; ++i) {
    uint32_t value = (uint32_t)i, got = 0;
    int written = recur_vk_buffer_write(vk, many[i], 4, &value, 4);
    int read = recur_vk_buffer_read(vk, many[i], 4, &got, 4);
    if (i % 3 == 0)
      wrong += !written || !read;
    else
      wrong += written || read || got != value;
  }
  for (int i = 0; i < MANY; ++i)
    if (i % 3)
      recur_vk_buffer_destroy(vk, many[i]);
  printf("%d buffers, %d destroyed: %d wrong\n", MANY, destroyed, wrong);
}

/* A buffer of context `own` given to `vk`: not one of vk's. */
static void checkOtherContext(recur_vk_context *vk, recur_vk_context *own) {
  recur_vk_buffer *theirs, *kept;
  CHECK(recur_vk_buffer_create(own, 64, &theirs));
  float host[4] = {1, 2, 3, 4};
  EXPECT_NOT_LIVE("another context's buffer to read", theirs,
                  recur_vk_buffer_read(vk, theirs, 0, host, sizeof host));
  destroyNotLive("another context's buffer destroyed", vk, theirs, __LINE__);
  /* Still live in its own context. */
  CHECK(recur_vk_buffer_write(own, theirs, 0, host, sizeof host));
  CHECK(recur_vk_buffer_read(own, theirs, 0, host, sizeof host));
  recur_vk_buffer_destroy(own, theirs);
  /* Not destroyed: recur_vk_context_destroy frees it. */
  CHECK(recur_vk_buffer_create(own, 64, &kept));
  printf("another context's buffer: ok\n");
}

/* Threads sharing the default context, each with its own buffers. */
static void *runThread(void *arg) {
  int index = (int)(intptr_t)arg, status;
  recur_vk_context *vk = recur_vk_default_context(&status);
  float values[N], got[N];
  for (int i = 0; i < N; ++i)
    values[i] = (float)(i % 13 + index);
  recur_vk_buffer *buffer;
  if (!vk || recur_vk_buffer_create(vk, sizeof values, &buffer))
    return (void *)1;
  int wrong = 1;
  recur_vk_arg args[] = {recur_vk_arg_f32((float)index),
                         recur_vk_arg_buffer(buffer),
                         recur_vk_arg_buffer(buffer), recur_vk_arg_i64(N)};
  if (!recur_vk_buffer_write(vk, buffer, 0, values, sizeof values) &&
      !recur_vk_dispatch(vk, &saxpy, GROUPS, 1, 1, args) &&
      !recur_vk_finish(vk) &&
      !recur_vk_buffer_read(vk, buffer, 0, got, sizeof got)) {
    wrong = 0;
    for (int i = 0; i < N; ++i)
      wrong += got[i] != (float)(index + 1) * values[i];
  }
  recur_vk_buffer_destroy(vk, buffer);
  return (void *)(intptr_t)wrong;
}

static void checkThreads(void) {
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; ++t)
    if (pthread_create(&threads[t], NULL, runThread, (void *)(intptr_t)t)) {
      printf("FAIL: pthread_create\n");
      exit(1);
    }
  intptr_t wrong = 0;
  for (int t = 0; t < THREADS; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    wrong += (intptr_t)result;
  }
  printf("%d threads: %d wrong\n", THREADS, (int)wrong);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    printf("usage: %s KERNELS.spv | --no-device\n", argv[0]);
    return 2;
  }
  int status;
  if (strcmp(argv[1], "--no-device") == 0) {
    recur_vk_context *context;
    status = recur_vk_context_create(&context);
    printf("context: status %d: %s\n", status, recur_vk_error_message());
    int again;
    recur_vk_context *shared = recur_vk_default_context(&status);
    recur_vk_default_context(&again);
    printf("default context: %s, status %d, again %d: %s\n",
           shared ? "created" : "NULL", status, again,
           recur_vk_error_message());
    return shared || !status || again != status;
  }
  loadKernels(argv[1]);
  recur_vk_context *vk = recur_vk_default_context(&status);
  if (!vk) {
    printf("FAIL: no context: status %d: %s\n", status,
           recur_vk_error_message());
    return 1;
  }
  printf("default context: %s\n",
         recur_vk_default_context(NULL) == vk ? "the same twice" : "FAIL");
  checkRecording(vk);
  checkErrors(vk);
  checkManyBuffers(vk);
  checkThreads();

  /* A context of its own runs the same kernels (pipelines per context). */
  recur_vk_context *own;
  CHECK(recur_vk_context_create(&own));
  checkRecording(own);
  checkOtherContext(vk, own);
  recur_vk_context_destroy(own);
  free((void *)saxpy.spirv);
  printf("done\n");
  return 0;
}
