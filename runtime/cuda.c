/*===- cuda.c - Kernel launches and device memory on the CUDA driver ------===*
 *
 * The functions of recur/cuda_calls.h. libcuda.so.1 is opened with dlopen
 * and every driver function is fetched with dlsym, by the symbol names
 * cuda.h maps the plain names to (cuMemAlloc is cuMemAlloc_v2) and the
 * legacy-stream entry points (never _ptsz/_ptds), so nothing here links
 * against libcuda and stream 0 is the legacy default stream.
 *
 * Work runs on the calling thread's current context; a thread with none
 * gets the primary context of one device, retained once per process. Per
 * context (told apart by cuCtxGetId where the driver has it, else by the
 * CUcontext's address) the runtime keeps the device's launch limits, each
 * module image it loaded, and a function per (image, kernel name), found
 * by hashing. None of these is ever released: the images are constants of
 * the program, and a CUfunction stays valid while its context lives.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
/* Stream 0 must be the legacy default stream: fetch the legacy entry
 * points whatever the includer asked for. */
#undef CUDA_API_PER_THREAD_DEFAULT_STREAM

#include "recur/cuda_calls.h"

#include <cuda.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if CUDA_VERSION < 12040
#error "recur's CUDA runtime is built with the headers of CUDA 12.4 or newer"
#endif
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "recur_cuda_launch passes a 4-byte parameter as the first 4 bytes of \
its int64_t: a little-endian host is needed"
#endif

/* The driver functions the runtime needs (CUDA 11.2 for the stream-ordered
 * allocator), by their exported names. */
#define RECUR_CUDA_FUNCTIONS(X)                                                \
  X(cuInit)                                                                    \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxGetCurrent)                                                           \
  X(cuCtxSetCurrent)                                                           \
  X(cuCtxGetDevice)                                                            \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncGetAttribute)                                                        \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuStreamSynchronize)                                                       \
  X(cuMemAlloc_v2)                                                             \
  X(cuMemFree_v2)                                                              \
  X(cuMemcpyHtoD_v2)                                                           \
  X(cuMemcpyDtoH_v2)                                                           \
  X(cuMemAllocAsync)                                                           \
  X(cuMemFreeAsync)                                                            \
  X(cuMemGetAddressRange_v2)

/* Newer ones, used where the driver has them: cuCtxGetId (12.0) and
 * cuFuncGetParamInfo (12.4). */
#define RECUR_CUDA_OPTIONAL_FUNCTIONS(X)                                       \
  X(cuCtxGetId)                                                                \
  X(cuFuncGetParamInfo)

/* A pointer of each function's type, as cuda.h declares it. */
#define RECUR_CUDA_MEMBER(name) __typeof__(name) *name;

enum {
  MESSAGE_BYTES = 1024,
  /* What a JIT error log may add to a message. */
  JIT_LOG_BYTES = 512,
  /* A kernel's parameters take at most 32764 bytes, so fewer than 8192. */
  MAX_PARAMS = 8192,
  /* Parameters whose pointers the launch keeps on the stack. */
  STACK_PARAMS = 32,
  /* What recur_cuda_malloc allocates for 0 bytes. */
  EMPTY_ALLOCATION_BYTES = 16,
};

/* The first 4 bytes of a cubin (ELF) and of fatbin data, little-endian. */
static const uint32_t elfMagic = 0x464c457f, fatbinMagic = 0xba55ed50;

/* The device limits a launch is checked against. */
enum {
  LIMIT_GRID_X,
  LIMIT_GRID_Y,
  LIMIT_GRID_Z,
  LIMIT_BLOCK_X,
  LIMIT_BLOCK_Y,
  LIMIT_BLOCK_Z,
  LIMIT_THREADS,
  LIMIT_SHARED,
  LIMIT_COUNT,
};

/* The dynamic shared memory a block may take without opting in. */
enum { DEFAULT_SHARED_BYTES = 48 * 1024 };

static const CUdevice_attribute limitAttributes[LIMIT_COUNT] = {
    CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X,
    CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y,
    CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z,
    CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X,
    CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y,
    CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z,
    CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
    CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
};

/* The int64_t[5] a launch's `kernel` points at, read. */
typedef struct kernelImage {
  const void *image;
  int64_t bytes;
  const char *name;
  int64_t paramCount;
  int64_t sharedBytes;
} kernelImage;

/* A context's device limits. */
typedef struct contextInfo {
  unsigned long long context;
  int limits[LIMIT_COUNT];
  struct contextInfo *next;
} contextInfo;

/* An image loaded into a context. */
typedef struct loadedModule {
  unsigned long long context;
  const void *image;
  CUmodule module;
  struct loadedModule *next;
} loadedModule;

/* A kernel of a loaded image. */
typedef struct kernelFunction {
  unsigned long long context;
  const void *image;
  char *name;
  uint64_t hash;
  CUfunction function;
  int64_t paramCount;
  /* The dynamic shared memory it was opted in to, if above the default. */
  int64_t sharedBytes;
  /* Bytes of each parameter, or NULL where the driver cannot say. */
  size_t *paramBytes;
  /* CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: its registers may allow
   * fewer threads than the device. */
  int maxThreads;
} kernelFunction;

/*===--------------------------------------------------------------------===*
 * Errors
 *===--------------------------------------------------------------------===*/

static _Thread_local char errorMessage[MESSAGE_BYTES];

/* The temporaries of the current call: carved from the caller's workspace
 * (recur_cuda_set_workspace), or counted without a device in a dry run
 * (recur_cuda_measure_begin); otherwise stream-ordered allocations. */
static _Thread_local struct {
  int measuring;
  char *base;
  /* Bytes handed out, and the workspace allocation's bytes from `base`
   * (0 until asked of the driver). */
  uint64_t used, capacity;
} workspace;


const char *recur_cuda_error_message(void) { return errorMessage; }

int recur_cuda_fail(int status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(errorMessage, sizeof errorMessage, format, args);
  va_end(args);
  return status;
}

#define fail recur_cuda_fail

/* Adds to this thread's failure text. */
static void appendMessage(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static void appendMessage(const char *format, ...) {
  size_t used = strlen(errorMessage);
  va_list args;
  va_start(args, format);
  vsnprintf(errorMessage + used, sizeof errorMessage - used, format, args);
  va_end(args);
}

/*===--------------------------------------------------------------------===*
 * The driver: libcuda.so.1, opened once per process
 *===--------------------------------------------------------------------===*/

static struct {
  RECUR_CUDA_FUNCTIONS(RECUR_CUDA_MEMBER)
  RECUR_CUDA_OPTIONAL_FUNCTIONS(RECUR_CUDA_MEMBER)
} cuda;

static struct {
  pthread_once_t once;
  char failure[MESSAGE_BYTES]; /* why it is unusable, "" when it is not */
} driver = {PTHREAD_ONCE_INIT, ""};

/* "[kernel NAME: ]CALL failed: CUDA_ERROR_... (description)". */
static int cudaFailure(CUresult result, const char *kernel, const char *call) {
  const char *name = NULL, *description = NULL;
  if (cuda.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    name = "an unknown CUresult";
  if (cuda.cuGetErrorString(result, &description) != CUDA_SUCCESS ||
      !description)
    description = "no description";
  if (kernel)
    return fail(RECUR_CUDA_DEVICE_ERROR, "kernel %s: %s failed: %s (%s)",
                kernel, call, name, description);
  return fail(RECUR_CUDA_DEVICE_ERROR, "%s failed: %s (%s)", call, name,
              description);
}

static void loadDriver(void) {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    snprintf(driver.failure, sizeof driver.failure,
             "libcuda.so.1 not found: %s", why ? why : "dlopen failed");
    return;
  }
  void *symbol;
  /* ISO C has no conversion from void * to a function pointer. */
#define RECUR_CUDA_LOAD(name)                                                  \
  symbol = dlsym(library, #name);                                              \
  if (!symbol) {                                                               \
    snprintf(driver.failure, sizeof driver.failure,                            \
             "libcuda.so.1 has no " #name                                      \
             ": recur needs a CUDA 11.2 or newer driver");                     \
    memset(&cuda, 0, sizeof cuda);                                             \
    dlclose(library);                                                          \
    return;                                                                    \
  }                                                                            \
  memcpy(&cuda.name, &symbol, sizeof symbol);
  RECUR_CUDA_FUNCTIONS(RECUR_CUDA_LOAD)
#undef RECUR_CUDA_LOAD
#define RECUR_CUDA_LOAD_OPTIONAL(name)                                         \
  symbol = dlsym(library, #name);                                              \
  memcpy(&cuda.name, &symbol, sizeof symbol);
  RECUR_CUDA_OPTIONAL_FUNCTIONS(RECUR_CUDA_LOAD_OPTIONAL)
#undef RECUR_CUDA_LOAD_OPTIONAL

  /* After a failed cuInit the library stays open (the driver may have
   * started threads); every later call fails with its message. */
  CUresult result = cuda.cuInit(0);
  if (result != CUDA_SUCCESS) {
    cudaFailure(result, NULL, "cuInit");
    snprintf(driver.failure, sizeof driver.failure, "%s", errorMessage);
  }
}

static int requireDriver(void) {
  pthread_once(&driver.once, loadDriver);
  if (driver.failure[0])
    return fail(RECUR_CUDA_DEVICE_ERROR, "%s", driver.failure);
  return 0;
}

/*===--------------------------------------------------------------------===*
 * Contexts
 *===--------------------------------------------------------------------===*/

/* The primary context given to threads without a context. */
static struct {
  pthread_once_t once;
  CUcontext context;
  char failure[MESSAGE_BYTES];
} primary = {PTHREAD_ONCE_INIT, NULL, ""};

/* Retains the primary context of device RECUR_CUDA_DEVICE, or 0. */
static int retainPrimary(void) {
  int count = 0;
  CUresult result = cuda.cuDeviceGetCount(&count);
  if (result != CUDA_SUCCESS)
    return cudaFailure(result, NULL, "cuDeviceGetCount");
  const char *chosen = getenv("RECUR_CUDA_DEVICE");
  long index = 0;
  if (chosen && chosen[0]) {
    char *end;
    errno = 0;
    index = strtol(chosen, &end, 10);
    if (*end || errno || index < 0 || index >= count)
      return fail(RECUR_CUDA_DEVICE_ERROR,
                  "no CUDA device RECUR_CUDA_DEVICE=%s (there are %d)", chosen,
                  count);
  } else if (count == 0) {
    return fail(RECUR_CUDA_DEVICE_ERROR, "no CUDA device");
  }
  CUdevice device;
  result = cuda.cuDeviceGet(&device, (int)index);
  if (result != CUDA_SUCCESS)
    return cudaFailure(result, NULL, "cuDeviceGet");
  result = cuda.cuDevicePrimaryCtxRetain(&primary.context, device);
  if (result != CUDA_SUCCESS) {
    primary.context = NULL;
    return cudaFailure(result, NULL, "cuDevicePrimaryCtxRetain");
  }
  return 0;
}

static void retainPrimaryOnce(void) {
  if (retainPrimary())
    snprintf(primary.failure, sizeof primary.failure, "%s", errorMessage);
}

/* The calling thread's context, after making the primary context current
 * when it has none. */
static int currentContext(CUcontext *out) {
  int status = requireDriver();
  if (status)
    return status;
  CUcontext context = NULL;
  CUresult result = cuda.cuCtxGetCurrent(&context);
  if (result != CUDA_SUCCESS)
    return cudaFailure(result, NULL, "cuCtxGetCurrent");
  if (!context) {
    pthread_once(&primary.once, retainPrimaryOnce);
    if (primary.failure[0])
      return fail(RECUR_CUDA_DEVICE_ERROR, "%s", primary.failure);
    result = cuda.cuCtxSetCurrent(primary.context);
    if (result != CUDA_SUCCESS)
      return cudaFailure(result, NULL, "cuCtxSetCurrent");
    context = primary.context;
  }
  *out = context;
  return 0;
}

/* What tells contexts apart: a CUcontext's address may be reused by a
 * later context, its ID is not. */
static int contextKey(CUcontext context, unsigned long long *key) {
  if (!cuda.cuCtxGetId) {
    *key = (unsigned long long)(uintptr_t)context;
    return 0;
  }
  CUresult result = cuda.cuCtxGetId(context, key);
  return result == CUDA_SUCCESS ? 0 : cudaFailure(result, NULL, "cuCtxGetId");
}

/*===--------------------------------------------------------------------===*
 * The cache of contexts, modules and functions
 *===--------------------------------------------------------------------===*/

static struct {
  pthread_mutex_t lock;
  contextInfo *contexts;
  loadedModule *modules;
  /* Open addressing with linear probing; capacity a power of two, at
   * most half full. */
  kernelFunction **slots;
  size_t capacity, count;
} cache = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, NULL, 0, 0};

/* The limits of the current context `key`, read on its first launch. */
static int findContext(unsigned long long key, const contextInfo **out) {
  for (const contextInfo *info = cache.contexts; info; info = info->next)
    if (info->context == key) {
      *out = info;
      return 0;
    }
  CUdevice device;
  CUresult result = cuda.cuCtxGetDevice(&device);
  if (result != CUDA_SUCCESS)
    return cudaFailure(result, NULL, "cuCtxGetDevice");
  contextInfo *info = calloc(1, sizeof *info);
  if (!info)
    return fail(RECUR_CUDA_DEVICE_ERROR, "out of host memory");
  info->context = key;
  for (int i = 0; i < LIMIT_COUNT; ++i) {
    result =
        cuda.cuDeviceGetAttribute(&info->limits[i], limitAttributes[i], device);
    if (result != CUDA_SUCCESS) {
      free(info);
      return cudaFailure(result, NULL, "cuDeviceGetAttribute");
    }
  }
  info->next = cache.contexts;
  cache.contexts = info;
  *out = info;
  return 0;
}

/* Checks that the image can be handed to the driver: a cubin, fatbin
 * data, or PTX whose NUL lies within its bytes. */
static int checkImage(const kernelImage *kernel) {
  if (!kernel->image || kernel->bytes <= 0)
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: the module image is %s with %lld bytes",
                kernel->name, kernel->image ? "at an address" : "NULL",
                (long long)kernel->bytes);
  uint32_t magic = 0;
  if (kernel->bytes >= 4)
    memcpy(&magic, kernel->image, sizeof magic);
  if (magic == elfMagic || magic == fatbinMagic ||
      memchr(kernel->image, 0, (size_t)kernel->bytes))
    return 0;
  return fail(RECUR_CUDA_DEVICE_ERROR,
              "kernel %s: the module image of %lld bytes is not a cubin, "
              "not fatbin data, and not PTX ending in a NUL",
              kernel->name, (long long)kernel->bytes);
}

/* The module of `kernel`'s image in context `key`, loaded by the first
 * launch of one of its kernels there. A failed PTX compilation adds the
 * JIT's log to the message. */
static int findModule(unsigned long long key, const kernelImage *kernel,
                      CUmodule *out) {
  for (const loadedModule *loaded = cache.modules; loaded;
       loaded = loaded->next)
    if (loaded->context == key && loaded->image == kernel->image) {
      *out = loaded->module;
      return 0;
    }
  int status = checkImage(kernel);
  if (status)
    return status;
  loadedModule *loaded = calloc(1, sizeof *loaded);
  if (!loaded)
    return fail(RECUR_CUDA_DEVICE_ERROR, "out of host memory");
  char log[JIT_LOG_BYTES] = "";
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, (void *)(uintptr_t)sizeof log};
  CUresult result = cuda.cuModuleLoadDataEx(&loaded->module, kernel->image, 2,
                                            options, values);
  if (result != CUDA_SUCCESS) {
    free(loaded);
    cudaFailure(result, kernel->name, "cuModuleLoadDataEx");
    log[sizeof log - 1] = '\0';
    size_t length = strlen(log);
    while (length && (log[length - 1] == '\n' || log[length - 1] == ' '))
      log[--length] = '\0';
    if (length)
      appendMessage(": %s", log);
    return RECUR_CUDA_DEVICE_ERROR;
  }
  loaded->context = key;
  loaded->image = kernel->image;
  loaded->next = cache.modules;
  cache.modules = loaded;
  *out = loaded->module;
  return 0;
}

static uint64_t hashKernel(unsigned long long key, const void *image,
                           const char *name) {
  uint64_t hash = 1469598103934665603ull; /* FNV-1a over the name */
  for (const unsigned char *c = (const unsigned char *)name; *c; ++c)
    hash = (hash ^ *c) * 1099511628211ull;
  hash ^= key * 0x9e3779b97f4a7c15ull;
  hash ^= (uint64_t)(uintptr_t)image * 0xbf58476d1ce4e5b9ull;
  return hash ^ (hash >> 31);
}

/* Grows the table so that one more function keeps it at most half full. */
static int reserveSlot(void) {
  if (2 * (cache.count + 1) <= cache.capacity)
    return 0;
  size_t capacity = cache.capacity ? 2 * cache.capacity : 64;
  kernelFunction **slots = calloc(capacity, sizeof *slots);
  if (!slots)
    return fail(RECUR_CUDA_DEVICE_ERROR, "out of host memory");
  for (size_t i = 0; i < cache.capacity; ++i) {
    kernelFunction *function = cache.slots[i];
    if (!function)
      continue;
    size_t slot = function->hash & (capacity - 1);
    while (slots[slot])
      slot = (slot + 1) & (capacity - 1);
    slots[slot] = function;
  }
  free(cache.slots);
  cache.slots = slots;
  cache.capacity = capacity;
  return 0;
}

/* Reads the sizes of the kernel's parameters and checks their count, where
 * the driver has cuFuncGetParamInfo. */
static int readParams(const kernelImage *kernel, kernelFunction *function) {
  if (!cuda.cuFuncGetParamInfo)
    return 0;
  size_t *bytes = calloc(kernel->paramCount ? (size_t)kernel->paramCount : 1,
                         sizeof *bytes);
  if (!bytes)
    return fail(RECUR_CUDA_DEVICE_ERROR, "out of host memory");
  for (int64_t i = 0; i < kernel->paramCount; ++i) {
    size_t offset;
    CUresult result = cuda.cuFuncGetParamInfo(function->function, (size_t)i,
                                              &offset, &bytes[i]);
    if (result == CUDA_ERROR_INVALID_VALUE) {
      free(bytes);
      return fail(RECUR_CUDA_DEVICE_ERROR,
                  "kernel %s: %lld parameters passed, the kernel takes %lld",
                  kernel->name, (long long)kernel->paramCount, (long long)i);
    }
    if (result != CUDA_SUCCESS) {
      /* The driver cannot say: launch unchecked. */
      free(bytes);
      return 0;
    }
  }
  size_t offset, extra;
  if (cuda.cuFuncGetParamInfo(function->function, (size_t)kernel->paramCount,
                              &offset, &extra) == CUDA_SUCCESS) {
    free(bytes);
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: %lld parameters passed, the kernel takes more",
                kernel->name, (long long)kernel->paramCount);
  }
  function->paramBytes = bytes;
  return 0;
}

/* Creates the function of `kernel` in context `key`, its module loaded
 * when needed. */
static int createFunction(unsigned long long key, const kernelImage *kernel,
                          uint64_t hash, kernelFunction **out) {
  int status = reserveSlot();
  if (status)
    return status;
  CUmodule module = NULL;
  status = findModule(key, kernel, &module);
  if (status)
    return status;
  kernelFunction *function = calloc(1, sizeof *function);
  size_t nameBytes = strlen(kernel->name) + 1;
  char *name = malloc(nameBytes);
  if (!function || !name) {
    free(function);
    free(name);
    return fail(RECUR_CUDA_DEVICE_ERROR, "out of host memory");
  }
  memcpy(name, kernel->name, nameBytes);
  *function = (kernelFunction){.context = key,
                               .image = kernel->image,
                               .name = name,
                               .hash = hash,
                               .paramCount = kernel->paramCount,
                               .sharedBytes = kernel->sharedBytes};
  CUresult result =
      cuda.cuModuleGetFunction(&function->function, module, kernel->name);
  if (result != CUDA_SUCCESS)
    status = cudaFailure(result, kernel->name, "cuModuleGetFunction");
  else if ((result = cuda.cuFuncGetAttribute(
                &function->maxThreads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                function->function)) != CUDA_SUCCESS)
    status = cudaFailure(result, kernel->name, "cuFuncGetAttribute");
  else if (kernel->sharedBytes > DEFAULT_SHARED_BYTES &&
           (result = cuda.cuFuncSetAttribute(
                function->function,
                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                (int)kernel->sharedBytes)) != CUDA_SUCCESS)
    status = cudaFailure(result, kernel->name, "cuFuncSetAttribute");
  else
    status = readParams(kernel, function);
  if (status) {
    free(name);
    free(function);
    return status;
  }
  size_t slot = hash & (cache.capacity - 1);
  while (cache.slots[slot])
    slot = (slot + 1) & (cache.capacity - 1);
  cache.slots[slot] = function;
  ++cache.count;
  *out = function;
  return 0;
}

/* The function of `kernel` in context `key`, created by its first launch
 * there. Call with the cache locked. */
static int findFunction(unsigned long long key, const kernelImage *kernel,
                        const kernelFunction **out) {
  uint64_t hash = hashKernel(key, kernel->image, kernel->name);
  for (size_t slot = cache.capacity ? hash & (cache.capacity - 1) : 0;
       cache.capacity && cache.slots[slot];
       slot = (slot + 1) & (cache.capacity - 1)) {
    const kernelFunction *function = cache.slots[slot];
    if (function->hash != hash || function->context != key ||
        function->image != kernel->image ||
        strcmp(function->name, kernel->name) != 0)
      continue;
    if (function->paramCount != kernel->paramCount)
      return fail(RECUR_CUDA_DEVICE_ERROR,
                  "kernel %s: %lld parameters, but %lld when it was first "
                  "launched",
                  kernel->name, (long long)kernel->paramCount,
                  (long long)function->paramCount);
    if (function->sharedBytes != kernel->sharedBytes)
      return fail(RECUR_CUDA_DEVICE_ERROR,
                  "kernel %s: %lld bytes of shared memory, but %lld when it "
                  "was first launched",
                  kernel->name, (long long)kernel->sharedBytes,
                  (long long)function->sharedBytes);
    *out = function;
    return 0;
  }
  kernelFunction *created = NULL;
  int status = createFunction(key, kernel, hash, &created);
  if (status == 0)
    *out = created;
  return status;
}

/*===--------------------------------------------------------------------===*
 * Launches
 *===--------------------------------------------------------------------===*/

/* The checks that need no driver: the kernel's description, the
 * parameters' widths, and the signs of the counts. */
static int checkLaunch(const kernelImage *kernel, const int64_t *args,
                       const int64_t grid[3], const int64_t block[3]) {
  if (kernel->paramCount < 0 || kernel->paramCount > MAX_PARAMS)
    return fail(RECUR_CUDA_DEVICE_ERROR, "kernel %s: %lld parameters",
                kernel->name, (long long)kernel->paramCount);
  if (kernel->paramCount && !args)
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: %lld parameters expected, args is NULL",
                kernel->name, (long long)kernel->paramCount);
  for (int64_t i = 0; i < kernel->paramCount; ++i)
    if (args[2 * i + 1] != 4 && args[2 * i + 1] != 8)
      return fail(RECUR_CUDA_DEVICE_ERROR,
                  "kernel %s, parameter %lld: a width of %lld bytes (4 or 8 "
                  "expected)",
                  kernel->name, (long long)i, (long long)args[2 * i + 1]);
  if (kernel->sharedBytes < 0 || kernel->sharedBytes > INT_MAX)
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: %lld bytes of shared memory", kernel->name,
                (long long)kernel->sharedBytes);
  if (grid[0] < 0 || grid[1] < 0 || grid[2] < 0)
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: a grid of %lld x %lld x %lld blocks", kernel->name,
                (long long)grid[0], (long long)grid[1], (long long)grid[2]);
  if (block[0] < 1 || block[1] < 1 || block[2] < 1)
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: a block of %lld x %lld x %lld threads",
                kernel->name, (long long)block[0], (long long)block[1],
                (long long)block[2]);
  return 0;
}

/* The kernel's shared memory against the device's limit: before its
 * function is created, which opts it in to that memory. */
static int checkSharedLimit(const kernelImage *kernel,
                            const contextInfo *context) {
  if (kernel->sharedBytes <= context->limits[LIMIT_SHARED])
    return 0;
  return fail(RECUR_CUDA_DEVICE_ERROR,
              "kernel %s: %lld bytes of shared memory a block, above the "
              "device's limit of %d (recur-compile --shared-memory-bytes "
              "sets the budget)",
              kernel->name, (long long)kernel->sharedBytes,
              context->limits[LIMIT_SHARED]);
}

/* The checks against the device's and the kernel's limits. */
static int checkLimits(const kernelImage *kernel, const contextInfo *context,
                       const kernelFunction *function, const int64_t *args,
                       const int64_t grid[3], const int64_t block[3]) {
  const int *limits = context->limits;
  if (grid[0] > limits[LIMIT_GRID_X] || grid[1] > limits[LIMIT_GRID_Y] ||
      grid[2] > limits[LIMIT_GRID_Z])
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: a grid of %lld x %lld x %lld blocks, above the "
                "device's limits of %d x %d x %d",
                kernel->name, (long long)grid[0], (long long)grid[1],
                (long long)grid[2], limits[LIMIT_GRID_X], limits[LIMIT_GRID_Y],
                limits[LIMIT_GRID_Z]);
  if (block[0] > limits[LIMIT_BLOCK_X] || block[1] > limits[LIMIT_BLOCK_Y] ||
      block[2] > limits[LIMIT_BLOCK_Z])
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: a block of %lld x %lld x %lld threads, above the "
                "device's limits of %d x %d x %d",
                kernel->name, (long long)block[0], (long long)block[1],
                (long long)block[2], limits[LIMIT_BLOCK_X],
                limits[LIMIT_BLOCK_Y], limits[LIMIT_BLOCK_Z]);
  /* Each factor is at most a limit of the device (an int): no overflow. */
  int64_t threads = block[0] * block[1] * block[2];
  if (threads > limits[LIMIT_THREADS])
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: a block of %lld threads, above the device's "
                "limit of %d",
                kernel->name, (long long)threads, limits[LIMIT_THREADS]);
  if (threads > function->maxThreads)
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "kernel %s: a block of %lld threads, above the kernel's "
                "limit of %d (its registers allow no more)",
                kernel->name, (long long)threads, function->maxThreads);
  for (int64_t i = 0; function->paramBytes && i < kernel->paramCount; ++i)
    if ((size_t)args[2 * i + 1] != function->paramBytes[i])
      return fail(RECUR_CUDA_DEVICE_ERROR,
                  "kernel %s, parameter %lld: %lld bytes passed, the kernel "
                  "takes %zu",
                  kernel->name, (long long)i, (long long)args[2 * i + 1],
                  function->paramBytes[i]);
  return 0;
}

int recur_cuda_launch(int64_t kernel_address, int64_t grid_x, int64_t grid_y,
                      int64_t grid_z, int64_t block_x, int64_t block_y,
                      int64_t block_z, int64_t args_address, int64_t stream) {
  if (workspace.measuring)
    return 0; /* a dry run launches nothing */
  const int64_t *k = (const int64_t *)(intptr_t)kernel_address;
  if (!k)
    return fail(RECUR_CUDA_DEVICE_ERROR, "recur_cuda_launch: kernel is NULL");
  kernelImage kernel = {(const void *)(intptr_t)k[0], k[1],
                        (const char *)(intptr_t)k[2], k[3], k[4]};
  if (!kernel.name)
    return fail(RECUR_CUDA_DEVICE_ERROR,
                "recur_cuda_launch: the kernel's name is NULL");
  /* The driver reads each parameter's bytes in place. */
  int64_t *args = (int64_t *)(intptr_t)args_address;
  const int64_t grid[3] = {grid_x, grid_y, grid_z};
  const int64_t block[3] = {block_x, block_y, block_z};
  int status = checkLaunch(&kernel, args, grid, block);
  if (status || grid_x == 0 || grid_y == 0 || grid_z == 0)
    return status;

  CUcontext context = NULL;
  unsigned long long key = 0;
  if ((status = currentContext(&context)) ||
      (status = contextKey(context, &key)))
    return status;
  const contextInfo *info = NULL;
  const kernelFunction *function = NULL;
  pthread_mutex_lock(&cache.lock);
  status = findContext(key, &info);
  if (status == 0)
    status = checkSharedLimit(&kernel, info);
  if (status == 0)
    status = findFunction(key, &kernel, &function);
  pthread_mutex_unlock(&cache.lock);
  if (status ||
      (status = checkLimits(&kernel, info, function, args, grid, block)))
    return status;

  void *stackParams[STACK_PARAMS];
  void **params = stackParams;
  if (kernel.paramCount > STACK_PARAMS &&
      !(params = malloc((size_t)kernel.paramCount * sizeof *params)))
    return fail(RECUR_CUDA_DEVICE_ERROR, "out of host memory");
  for (int64_t i = 0; i < kernel.paramCount; ++i)
    params[i] = &args[2 * i];
  CUresult result = cuda.cuLaunchKernel(
      function->function, (unsigned)grid_x, (unsigned)grid_y, (unsigned)grid_z,
      (unsigned)block_x, (unsigned)block_y, (unsigned)block_z,
      (unsigned)kernel.sharedBytes,
      (CUstream)(intptr_t)stream, kernel.paramCount ? params : NULL, NULL);
  if (params != stackParams)
    free(params);
  return result == CUDA_SUCCESS
             ? 0
             : cudaFailure(result, kernel.name, "cuLaunchKernel");
}

/*===--------------------------------------------------------------------===*
 * Memory and streams
 *===--------------------------------------------------------------------===*/

void *recur_cuda_malloc(uint64_t bytes, int64_t stream) {
  CUcontext context;
  if (currentContext(&context))
    return NULL;
  CUdeviceptr pointer = 0;
  CUresult result = cuda.cuMemAllocAsync(
      &pointer, bytes ? (size_t)bytes : EMPTY_ALLOCATION_BYTES,
      (CUstream)(intptr_t)stream);
  if (result != CUDA_SUCCESS) {
    cudaFailure(result, NULL, "cuMemAllocAsync");
    appendMessage(", allocating %llu bytes", (unsigned long long)bytes);
    return NULL;
  }
  return (void *)(uintptr_t)pointer;
}

void recur_cuda_free(void *pointer, int64_t stream) {
  CUcontext context;
  if (!pointer || currentContext(&context))
    return;
  CUresult result = cuda.cuMemFreeAsync((CUdeviceptr)(uintptr_t)pointer,
                                        (CUstream)(intptr_t)stream);
  if (result != CUDA_SUCCESS)
    cudaFailure(result, NULL, "cuMemFreeAsync");
}

int recur_cuda_sync(int64_t stream) {
  CUcontext context;
  int status = currentContext(&context);
  if (status)
    return status;
  CUresult result = cuda.cuStreamSynchronize((CUstream)(intptr_t)stream);
  return result == CUDA_SUCCESS
             ? 0
             : cudaFailure(result, NULL, "cuStreamSynchronize");
}

/*===--------------------------------------------------------------------===*
 * The calls of compiled code: the caller's stream, temporaries, constants
 *===--------------------------------------------------------------------===*/

static _Thread_local int64_t currentStream;

int recur_cuda_check_context(void) {
  if (workspace.measuring)
    return 0;
  CUcontext context;
  return currentContext(&context);
}

void recur_cuda_set_stream(int64_t stream) { currentStream = stream; }

int64_t recur_cuda_stream(void) { return currentStream; }

void recur_cuda_set_workspace(void *base) {
  workspace.base = base;
  workspace.used = 0;
  workspace.capacity = 0;
}

void recur_cuda_measure_begin(void) {
  recur_cuda_set_workspace(NULL);
  workspace.measuring = 1;
}

uint64_t recur_cuda_measure_end(void) {
  uint64_t used = workspace.used;
  workspace.measuring = 0;
  recur_cuda_set_workspace(NULL);
  return used;
}

/* The next `bytes` of the workspace (or of the dry run's count), aligned
 * to RECUR_CUDA_WORKSPACE_ALIGNMENT. */
static void *carve(uint64_t bytes) {
  const uint64_t alignment = RECUR_CUDA_WORKSPACE_ALIGNMENT;
  uint64_t size = bytes ? bytes : 1;
  uint64_t offset = workspace.used;
  if (offset > UINT64_MAX - alignment ||
      size > UINT64_MAX - alignment - offset) {
    recur_cuda_fail(RECUR_CUDA_DEVICE_ERROR,
                    "a workspace over 2^64 bytes (a temporary of %llu)",
                    (unsigned long long)bytes);
    return NULL;
  }
  uint64_t end = offset + (size + alignment - 1) / alignment * alignment;
  if (workspace.measuring) {
    workspace.used = end;
    /* Addresses nothing reads: the host code only passes them on. */
    return (void *)(uintptr_t)(alignment + offset);
  }
  if (!workspace.capacity) {
    /* Each temporary is aligned as the kernels' loads need. */
    if ((uintptr_t)workspace.base % alignment) {
      recur_cuda_fail(RECUR_CUDA_DEVICE_ERROR,
                      "the workspace %p is not aligned to %llu bytes",
                      (void *)workspace.base,
                      (unsigned long long)alignment);
      return NULL;
    }
    CUcontext context;
    if (currentContext(&context))
      return NULL;
    CUdeviceptr start = 0;
    size_t length = 0;
    CUresult result = cuda.cuMemGetAddressRange_v2(
        &start, &length, (CUdeviceptr)(uintptr_t)workspace.base);
    if (result != CUDA_SUCCESS) {
      cudaFailure(result, NULL, "cuMemGetAddressRange");
      appendMessage(" (the workspace %p is not device memory)",
                    (void *)workspace.base);
      return NULL;
    }
    workspace.capacity = (uint64_t)(start + length) -
                         (uint64_t)(uintptr_t)workspace.base;
  }
  if (end > workspace.capacity) {
    recur_cuda_fail(RECUR_CUDA_DEVICE_ERROR,
                    "the workspace has %llu bytes, the call needs more "
                    "(NAME_workspace_size gives how many)",
                    (unsigned long long)workspace.capacity);
    return NULL;
  }
  workspace.used = end;
  return workspace.base + offset;
}

void *recur_cuda_malloc_current(uint64_t bytes) {
  if (workspace.measuring || workspace.base)
    return carve(bytes);
  return recur_cuda_malloc(bytes, currentStream);
}

void recur_cuda_free_current(void *pointer) {
  if (workspace.measuring || workspace.base)
    return; /* the workspace is the caller's */
  recur_cuda_free(pointer, currentStream);
}

int recur_cuda_upload(int64_t device, int64_t host, int64_t bytes) {
  if (bytes < 0)
    return recur_cuda_fail(RECUR_CUDA_DEVICE_ERROR, "a constant of %lld bytes",
                           (long long)bytes);
  if (workspace.measuring)
    return 0;
  /* The buffer is stream-ordered memory of the current stream. */
  int status = recur_cuda_sync(currentStream);
  if (status)
    return status;
  CUresult result =
      cuda.cuMemcpyHtoD_v2((CUdeviceptr)(uintptr_t)device,
                           (const void *)(intptr_t)host, (size_t)bytes);
  return result == CUDA_SUCCESS ? 0
                                : cudaFailure(result, NULL, "cuMemcpyHtoD");
}

/*===--------------------------------------------------------------------===*
 * NAME_host
 *===--------------------------------------------------------------------===*/

/* Allocates and fills the device copy of every nonempty buffer. */
static int copyIn(int count, const uint64_t *bytes, void *const *buffers,
                  void **device) {
  for (int i = 0; i < count; ++i) {
    if (bytes[i] == 0 || !buffers[i])
      continue; /* NULL: the entry point checks it */
    CUdeviceptr pointer;
    CUresult result = cuda.cuMemAlloc_v2(&pointer, (size_t)bytes[i]);
    if (result != CUDA_SUCCESS) {
      cudaFailure(result, NULL, "cuMemAlloc");
      appendMessage(", allocating %llu bytes", (unsigned long long)bytes[i]);
      return RECUR_CUDA_DEVICE_ERROR;
    }
    device[i] = (void *)(uintptr_t)pointer;
    result = cuda.cuMemcpyHtoD_v2(pointer, buffers[i], (size_t)bytes[i]);
    if (result != CUDA_SUCCESS)
      return cudaFailure(result, NULL, "cuMemcpyHtoD");
  }
  return 0;
}

int recur_cuda_call_host(const recur_function_info *function,
                         const int64_t *dims, void *const *buffers,
                         int (*entry)(const int64_t *dims,
                                      void *const *device_buffers,
                                      int64_t stream)) {
  int count = function->buffer_count;
  size_t slots = count > 0 ? (size_t)count : 1;
  void **device = calloc(slots, sizeof *device);
  uint64_t *bytes = calloc(slots, sizeof *bytes);
  if (!device || !bytes) {
    free(device);
    free(bytes);
    return fail(RECUR_CUDA_DEVICE_ERROR, "out of host memory");
  }
  bool refused = false;
  for (int i = 0; i < count && !refused; ++i) {
    const recur_buffer_info *info = &function->buffers[i];
    int64_t elements = recur_buffer_elements(info, dims);
    size_t elementBytes = recur_dtype_bytes(info->dtype);
    refused = elements < 0 ||
              (elementBytes && (uint64_t)elements > SIZE_MAX / elementBytes);
    if (!refused)
      bytes[i] = (uint64_t)elements * elementBytes;
  }
  int status;
  if (refused) {
    /* Sizes the entry point refuses: it returns its own status. */
    status = entry(dims, device, 0);
    free(device);
    free(bytes);
    return status;
  }

  CUcontext context;
  status = currentContext(&context);
  if (status == 0)
    status = copyIn(count, bytes, buffers, device);
  if (status == 0) {
    status = entry(dims, device, 0);
    /* Wait even after a failure: a launch before it may still run. */
    CUresult result = cuda.cuStreamSynchronize(NULL);
    if (result != CUDA_SUCCESS && status == 0)
      status = cudaFailure(result, NULL, "cuStreamSynchronize");
  }
  for (int i = 0; i < count && status == 0; ++i) {
    if (!device[i] || !function->buffers[i].is_output)
      continue;
    CUresult result = cuda.cuMemcpyDtoH_v2(
        buffers[i], (CUdeviceptr)(uintptr_t)device[i], (size_t)bytes[i]);
    if (result != CUDA_SUCCESS)
      status = cudaFailure(result, NULL, "cuMemcpyDtoH");
  }
  for (int i = 0; i < count; ++i)
    if (device[i])
      cuda.cuMemFree_v2((CUdeviceptr)(uintptr_t)device[i]);
  free(device);
  free(bytes);
  return status;
}
