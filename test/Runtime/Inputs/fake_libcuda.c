/* A stand-in for libcuda.so.1, for cuda_runtime.test on machines without
 * a GPU: built as %t/fake/libcuda.so.1 and found through LD_LIBRARY_PATH,
 * it gives runtime/cuda.c the driver functions it fetches, with one device
 * whose memory is host memory and whose kernels are the two of
 * cuda_kernels.ptx, run on the host when launched.
 *
 * It reads a PTX image for its entry points and their parameters' sizes,
 * and refuses what the driver refuses (a call without a current context,
 * launch sizes above the limits, a kernel name the image lacks, an
 * allocation of 0 bytes). At exit it checks how it was used: every device
 * allocation freed, the primary context retained once, no image loaded
 * twice; otherwise it says so on stderr and exits with status 3.
 *
 * FAKE_CUDA_DEVICES=0 makes cuInit fail as the driver does where no GPU
 * is visible. */

#define _POSIX_C_SOURCE 200809L

#include <cuda.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
  MAX_FUNCTIONS = 8,
  MAX_PARAMS = 16,
  MAX_NAME = 64,
  MAX_MODULES = 16,
  MAX_ALLOCATIONS = 4096,
  /* Larger allocations fail with CUDA_ERROR_OUT_OF_MEMORY. */
  MEMORY_BYTES = 1 << 30,
  /* Dynamic shared memory a block takes without opting in, and the most
   * it can opt in to (an H100's). */
  DEFAULT_SHARED_BYTES = 48 * 1024,
  OPTIN_SHARED_BYTES = 227 * 1024,
};

struct CUctx_st {
  unsigned long long id;
  CUdevice device;
};

struct CUfunc_st {
  char name[MAX_NAME];
  /* CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, as the driver keeps
   * it: 48 KiB until the kernel is opted in to more. */
  int maxDynamicShared;
  int paramCount;
  size_t paramBytes[MAX_PARAMS];
};

struct CUmod_st {
  const void *image;
  CUcontext context;
  struct CUfunc_st functions[MAX_FUNCTIONS];
  int functionCount;
};

/* The errors the fake returns, with the driver's descriptions. */
#define FAKE_ERRORS(X)                                                         \
  X(CUDA_SUCCESS, "no error")                                                  \
  X(CUDA_ERROR_INVALID_VALUE, "invalid argument")                              \
  X(CUDA_ERROR_OUT_OF_MEMORY, "out of memory")                                 \
  X(CUDA_ERROR_NOT_INITIALIZED, "initialization error")                        \
  X(CUDA_ERROR_NO_DEVICE, "no CUDA-capable device is detected")                \
  X(CUDA_ERROR_INVALID_DEVICE, "invalid device ordinal")                       \
  X(CUDA_ERROR_INVALID_CONTEXT, "invalid device context")                      \
  X(CUDA_ERROR_INVALID_PTX, "a PTX JIT compilation failed")                    \
  X(CUDA_ERROR_NOT_FOUND, "named symbol not found")                            \
  X(CUDA_ERROR_LAUNCH_FAILED, "unspecified launch failure")

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static struct CUctx_st primary = {7, 0};
static int primaryRetains;
static _Thread_local CUcontext current;
static struct CUmod_st *modules[MAX_MODULES];
static int moduleCount;
static const char *misuse; /* the first misuse seen, reported at exit */
static void *allocations[MAX_ALLOCATIONS];
static size_t allocationBytes[MAX_ALLOCATIONS];
static int allocationCount;

__attribute__((destructor)) static void checkUse(void) {
  if (!misuse && allocationCount)
    misuse = "device allocations were not freed";
  if (!misuse && primaryRetains > 1)
    misuse = "the primary context was retained more than once";
  for (int i = 0; i < moduleCount; ++i)
    free(modules[i]);
  if (misuse) {
    fprintf(stderr, "fake libcuda.so.1: %s (%d allocations live)\n", misuse,
            allocationCount);
    _exit(3);
  }
}

CUresult cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
#define FAKE_ERROR_NAME(code, description)                                     \
  case code:                                                                   \
    *name = #code;                                                             \
    return CUDA_SUCCESS;
    FAKE_ERRORS(FAKE_ERROR_NAME)
#undef FAKE_ERROR_NAME
  default:
    *name = NULL;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  switch (error) {
#define FAKE_ERROR_TEXT(code, description)                                     \
  case code:                                                                   \
    *text = description;                                                       \
    return CUDA_SUCCESS;
    FAKE_ERRORS(FAKE_ERROR_TEXT)
#undef FAKE_ERROR_TEXT
  default:
    *text = NULL;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

static int deviceCount(void) {
  const char *devices = getenv("FAKE_CUDA_DEVICES");
  return devices ? atoi(devices) : 1;
}

CUresult cuInit(unsigned flags) {
  if (flags)
    return CUDA_ERROR_INVALID_VALUE;
  if (deviceCount() == 0)
    return CUDA_ERROR_NO_DEVICE;
  initialized = 1;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  *count = deviceCount();
  return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  if (ordinal < 0 || ordinal >= deviceCount())
    return CUDA_ERROR_INVALID_DEVICE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute,
                              CUdevice device) {
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  switch (attribute) {
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X:
    *value = 2147483647;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y:
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z:
    *value = 65535;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X:
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y:
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
    *value = 1024;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z:
    *value = 64;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
    *value = OPTIN_SHARED_BYTES;
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
  if (device != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  pthread_mutex_lock(&lock);
  ++primaryRetains;
  pthread_mutex_unlock(&lock);
  *context = &primary;
  return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(CUcontext *context) {
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  *context = current;
  return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext context) {
  current = context;
  return CUDA_SUCCESS;
}

CUresult cuCtxGetDevice(CUdevice *device) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  *device = current->device;
  return CUDA_SUCCESS;
}

CUresult cuCtxGetId(CUcontext context, unsigned long long *id) {
  if (!context)
    return CUDA_ERROR_INVALID_CONTEXT;
  *id = context->id;
  return CUDA_SUCCESS;
}

/* The bytes of a PTX parameter type (".u64" ...), or 0. */
static size_t typeBytes(const char *type) {
  static const char *const eight[] = {".u64", ".s64", ".b64", ".f64"};
  static const char *const four[] = {".u32", ".s32", ".b32", ".f32"};
  for (int i = 0; i < 4; ++i) {
    if (strncmp(type, eight[i], 4) == 0)
      return 8;
    if (strncmp(type, four[i], 4) == 0)
      return 4;
  }
  return 0;
}

/* Reads the `.entry name(.param .type name, ...)` declarations. */
static int readEntries(const char *ptx, struct CUmod_st *module) {
  if (!strstr(ptx, ".version") || !strstr(ptx, ".target"))
    return 0;
  for (const char *entry = strstr(ptx, ".entry "); entry;
       entry = strstr(entry + 1, ".entry ")) {
    if (module->functionCount == MAX_FUNCTIONS)
      return 0;
    struct CUfunc_st *function = &module->functions[module->functionCount++];
    function->maxDynamicShared = DEFAULT_SHARED_BYTES;
    const char *name = entry + strlen(".entry ");
    size_t length = strcspn(name, "( \n");
    if (length == 0 || length >= MAX_NAME)
      return 0;
    memcpy(function->name, name, length);
    const char *end = strchr(name, ')');
    if (!end)
      return 0;
    for (const char *param = strstr(name, ".param "); param && param < end;
         param = strstr(param + 1, ".param ")) {
      size_t bytes = typeBytes(param + strlen(".param "));
      if (!bytes || function->paramCount == MAX_PARAMS)
        return 0;
      function->paramBytes[function->paramCount++] = bytes;
    }
  }
  return module->functionCount > 0;
}

CUresult cuModuleLoadDataEx(CUmodule *out, const void *image,
                            unsigned optionCount, CUjit_option *options,
                            void **values) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  struct CUmod_st *module = calloc(1, sizeof *module);
  if (!module)
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (!readEntries(image, module)) {
    free(module);
    char *log = NULL;
    size_t logBytes = 0;
    for (unsigned i = 0; i < optionCount; ++i) {
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
        log = values[i];
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
        logBytes = (size_t)(uintptr_t)values[i];
    }
    if (log && logBytes)
      snprintf(log, logBytes,
               "ptxas application ptx input, line 1; fatal   : Parsing error "
               "near 'not': syntax error\n");
    return CUDA_ERROR_INVALID_PTX;
  }
  module->image = image;
  module->context = current;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < moduleCount; ++i)
    if (modules[i]->image == image && modules[i]->context == current)
      misuse = "an image was loaded twice into a context";
  if (moduleCount == MAX_MODULES) {
    pthread_mutex_unlock(&lock);
    free(module);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  modules[moduleCount++] = module;
  pthread_mutex_unlock(&lock);
  *out = module;
  return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                             const char *name) {
  for (int i = 0; i < module->functionCount; ++i)
    if (strcmp(module->functions[i].name, name) == 0) {
      *function = &module->functions[i];
      return CUDA_SUCCESS;
    }
  return CUDA_ERROR_NOT_FOUND;
}

CUresult cuFuncGetAttribute(int *value, CUfunction_attribute attribute,
                            CUfunction function) {
  (void)function;
  if (attribute != CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK)
    return CUDA_ERROR_INVALID_VALUE;
  *value = 1024;
  return CUDA_SUCCESS;
}

CUresult cuFuncSetAttribute(CUfunction function, CUfunction_attribute attribute,
                            int value) {
  if (attribute != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES ||
      value < 0 || value > OPTIN_SHARED_BYTES)
    return CUDA_ERROR_INVALID_VALUE;
  function->maxDynamicShared = value;
  return CUDA_SUCCESS;
}

CUresult cuFuncGetParamInfo(CUfunction function, size_t index, size_t *offset,
                            size_t *bytes) {
  if (index >= (size_t)function->paramCount)
    return CUDA_ERROR_INVALID_VALUE;
  size_t at = 0;
  for (size_t i = 0; i <= index; ++i) {
    size_t size = function->paramBytes[i];
    at = (at + size - 1) / size * size;
    if (i < index)
      at += size;
  }
  *offset = at;
  *bytes = function->paramBytes[index];
  return CUDA_SUCCESS;
}

/* Parameter `index` of a launch, read as the driver reads it. */
static uint64_t param(CUfunction function, void **params, int index) {
  uint64_t value = 0;
  memcpy(&value, params[index], function->paramBytes[index]);
  return value;
}

static float paramFloat(CUfunction function, void **params, int index) {
  uint32_t bits = (uint32_t)param(function, params, index);
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

CUresult cuLaunchKernel(CUfunction function, unsigned gridX, unsigned gridY,
                        unsigned gridZ, unsigned blockX, unsigned blockY,
                        unsigned blockZ, unsigned sharedBytes, CUstream stream,
                        void **params, void **extra) {
  (void)stream;
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!gridX || !gridY || !gridZ || !blockX || !blockY || !blockZ ||
      gridY > 65535 || gridZ > 65535 || blockX > 1024 || blockY > 1024 ||
      blockZ > 64 || (uint64_t)blockX * blockY * blockZ > 1024 ||
      sharedBytes > (unsigned)function->maxDynamicShared ||
      extra || (function->paramCount && !params))
    return CUDA_ERROR_INVALID_VALUE;
  /* The kernels use x only: threads i = ctaid.x * ntid.x + tid.x. */
  uint64_t threads = (uint64_t)gridX * blockX;
  if (strcmp(function->name, "iota_f32") == 0) {
    float *out = (float *)(uintptr_t)param(function, params, 0);
    float start = paramFloat(function, params, 1);
    uint64_t n = param(function, params, 2);
    for (uint64_t i = 0; i < threads && i < n; ++i)
      out[i] = start + (float)i;
    return CUDA_SUCCESS;
  }
  if (strcmp(function->name, "axpy") == 0) {
    float *y = (float *)(uintptr_t)param(function, params, 0);
    const float *x = (const float *)(uintptr_t)param(function, params, 1);
    float a = paramFloat(function, params, 2);
    uint64_t n = param(function, params, 3);
    for (uint64_t i = 0; i < threads && i < n; ++i)
      y[i] = fmaf(a, x[i], y[i]);
    return CUDA_SUCCESS;
  }
  return CUDA_ERROR_LAUNCH_FAILED;
}

CUresult cuStreamSynchronize(CUstream stream) {
  (void)stream;
  return current ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

static CUresult allocate(CUdeviceptr *pointer, size_t bytes) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  /* As the driver's: aligned to 256 bytes at least. */
  void *memory =
      bytes > MEMORY_BYTES ? NULL : aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!memory)
    return CUDA_ERROR_OUT_OF_MEMORY;
  pthread_mutex_lock(&lock);
  if (allocationCount == MAX_ALLOCATIONS) {
    pthread_mutex_unlock(&lock);
    free(memory);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  allocationBytes[allocationCount] = bytes;
  allocations[allocationCount++] = memory;
  pthread_mutex_unlock(&lock);
  *pointer = (CUdeviceptr)(uintptr_t)memory;
  return CUDA_SUCCESS;
}

static CUresult release(CUdeviceptr pointer) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  void *memory = (void *)(uintptr_t)pointer;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < allocationCount; ++i)
    if (allocations[i] == memory) {
      --allocationCount;
      allocations[i] = allocations[allocationCount];
      allocationBytes[i] = allocationBytes[allocationCount];
      pthread_mutex_unlock(&lock);
      free(memory);
      return CUDA_SUCCESS;
    }
  misuse = "a pointer the driver did not allocate was freed";
  pthread_mutex_unlock(&lock);
  return CUDA_ERROR_INVALID_VALUE;
}

CUresult cuMemGetAddressRange(CUdeviceptr *base, size_t *bytes,
                              CUdeviceptr pointer) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  char *address = (char *)(uintptr_t)pointer;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < allocationCount; ++i) {
    char *start = allocations[i];
    if (address >= start && address < start + allocationBytes[i]) {
      *base = (CUdeviceptr)(uintptr_t)start;
      *bytes = allocationBytes[i];
      pthread_mutex_unlock(&lock);
      return CUDA_SUCCESS;
    }
  }
  pthread_mutex_unlock(&lock);
  return CUDA_ERROR_NOT_FOUND;
}

CUresult cuMemAlloc(CUdeviceptr *pointer, size_t bytes) {
  return allocate(pointer, bytes);
}

CUresult cuMemFree(CUdeviceptr pointer) { return release(pointer); }

CUresult cuMemAllocAsync(CUdeviceptr *pointer, size_t bytes, CUstream stream) {
  (void)stream;
  return allocate(pointer, bytes);
}

CUresult cuMemFreeAsync(CUdeviceptr pointer, CUstream stream) {
  (void)stream;
  return release(pointer);
}

CUresult cuMemcpyHtoD(CUdeviceptr device, const void *host, size_t bytes) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  memcpy((void *)(uintptr_t)device, host, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoH(void *host, CUdeviceptr device, size_t bytes) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  memcpy(host, (const void *)(uintptr_t)device, bytes);
  return CUDA_SUCCESS;
}
