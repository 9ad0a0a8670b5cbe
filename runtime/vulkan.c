/*===- vulkan.c - Device memory and kernel dispatch on Vulkan -------------===*
 *
 * The functions of recur/vulkan.h. libvulkan.so.1 is opened with dlopen
 * and every Vulkan function is fetched through vkGetInstanceProcAddr /
 * vkGetDeviceProcAddr, so nothing here links against libvulkan.
 *
 * A context records dispatches into one command buffer. Each dispatch
 * takes a descriptor set from the context's pools and, for its scalar
 * arguments, slots of the scalar arena (host-visible buffers the context
 * keeps); a memory barrier orders it after the dispatch before it.
 * recur_vk_finish (or a buffer read or write) submits the command buffer,
 * waits on a fence, and resets the pools, the arena and the command
 * buffer for the next recording. Pipelines are built once per kernel and
 * kept until the context is destroyed.
 *
 * Every buffer handle a caller passes in is looked up in its context's
 * registry of live buffers before anything reads through it, so a pointer
 * that is not one (a host pointer, a destroyed buffer, another context's)
 * fails with a status and a message instead of reading arbitrary memory.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#define VK_NO_PROTOTYPES

#include "recur/vulkan.h"

#include <vulkan/vulkan.h>

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The functions a context fetches for its instance and its device. */
#define RECUR_VK_INSTANCE_FUNCTIONS(X)                                         \
  X(DestroyInstance)                                                           \
  X(EnumeratePhysicalDevices)                                                  \
  X(GetPhysicalDeviceProperties)                                               \
  X(GetPhysicalDeviceQueueFamilyProperties)                                    \
  X(GetPhysicalDeviceMemoryProperties)                                         \
  X(GetPhysicalDeviceFeatures2)                                                \
  X(CreateDevice)                                                              \
  X(GetDeviceProcAddr)

#define RECUR_VK_DEVICE_FUNCTIONS(X)                                           \
  X(DestroyDevice)                                                             \
  X(DeviceWaitIdle)                                                            \
  X(GetDeviceQueue)                                                            \
  X(QueueSubmit)                                                               \
  X(CreateBuffer)                                                              \
  X(DestroyBuffer)                                                             \
  X(GetBufferMemoryRequirements)                                               \
  X(AllocateMemory)                                                            \
  X(FreeMemory)                                                                \
  X(BindBufferMemory)                                                          \
  X(MapMemory)                                                                 \
  X(CreateShaderModule)                                                        \
  X(DestroyShaderModule)                                                       \
  X(CreateDescriptorSetLayout)                                                 \
  X(DestroyDescriptorSetLayout)                                                \
  X(CreatePipelineLayout)                                                      \
  X(DestroyPipelineLayout)                                                     \
  X(CreateComputePipelines)                                                    \
  X(DestroyPipeline)                                                           \
  X(CreateDescriptorPool)                                                      \
  X(DestroyDescriptorPool)                                                     \
  X(ResetDescriptorPool)                                                       \
  X(AllocateDescriptorSets)                                                    \
  X(UpdateDescriptorSets)                                                      \
  X(CreateCommandPool)                                                         \
  X(DestroyCommandPool)                                                        \
  X(ResetCommandPool)                                                          \
  X(AllocateCommandBuffers)                                                    \
  X(BeginCommandBuffer)                                                        \
  X(EndCommandBuffer)                                                          \
  X(CmdBindPipeline)                                                           \
  X(CmdBindDescriptorSets)                                                     \
  X(CmdDispatch)                                                               \
  X(CmdPipelineBarrier)                                                        \
  X(CreateFence)                                                               \
  X(DestroyFence)                                                              \
  X(ResetFences)                                                               \
  X(WaitForFences)

#define RECUR_VK_MEMBER(name) PFN_vk##name name;

enum {
  /* Bytes of one buffer of the scalar arena. */
  SCALAR_CHUNK_BYTES = 64 * 1024,
  /* The largest data argument (a kernel's packed scalars). */
  MAX_DATA_BYTES = 4096,
  /* Descriptor sets and descriptors of one pool (more when a kernel has
   * more arguments). */
  POOL_SETS = 256,
  POOL_DESCRIPTORS = 4096,
  /* SPIR-V opcodes and capabilities the kernel check reads. */
  SPV_MAGIC = 0x07230203,
  SPV_OP_EXTENSION = 10,
  SPV_OP_EXT_INST_IMPORT = 11,
  SPV_OP_MEMORY_MODEL = 14,
  SPV_OP_ENTRY_POINT = 15,
  SPV_OP_CAPABILITY = 17,
  SPV_GL_COMPUTE = 5,
  SPV_CAPABILITY_FLOAT16 = 9,
  SPV_CAPABILITY_FLOAT64 = 10,
  SPV_CAPABILITY_INT64 = 11,
  SPV_CAPABILITY_INT16 = 22,
  SPV_CAPABILITY_INT8 = 39,
  SPV_CAPABILITY_STORAGE_BUFFER_16BIT_ACCESS = 4433,
  SPV_CAPABILITY_STORAGE_BUFFER_8BIT_ACCESS = 4448,
};

/* A kernel's pipeline, found again by its SPIR-V pointer and entry. */
typedef struct kernelPipeline {
  const uint32_t *spirv;
  char *entry;
  uint32_t numArgs;
  VkDescriptorSetLayout setLayout;
  VkPipelineLayout layout;
  VkPipeline pipeline;
} kernelPipeline;

struct recur_vk_buffer {
  VkBuffer buffer;
  VkDeviceMemory memory;
  unsigned char *mapped;
  uint64_t bytes;               /* what the caller asked for */
  uint64_t allocated;           /* the VkBuffer's size: at least 4 */
  recur_vk_buffer *nextRetired; /* destroyed, freed at the next finish */
};

/* The live buffers of a context, those recur_vk_buffer_create returned and
 * recur_vk_buffer_destroy has not taken back: an open-addressing hash set
 * of pointers, linear probing, at most half full, deletion by backward
 * shift (so no tombstones). Only compared, never dereferenced, so any
 * pointer may be looked up. The scalar arena's buffers are not in it: no
 * caller has them. Guarded by the context's lock. */
typedef struct bufferRegistry {
  recur_vk_buffer **slots; /* NULL where empty */
  size_t capacity;         /* 0 or a power of two */
  size_t count;
} bufferRegistry;

struct recur_vk_context {
  struct {
    RECUR_VK_INSTANCE_FUNCTIONS(RECUR_VK_MEMBER)
    RECUR_VK_DEVICE_FUNCTIONS(RECUR_VK_MEMBER)
  } vk;
  VkInstance instance;
  VkPhysicalDevice physicalDevice;
  VkPhysicalDeviceProperties properties;
  VkPhysicalDeviceMemoryProperties memory;
  VkDevice device;
  VkQueue queue;
  /* Features enabled on the device, for the kernels' capabilities. */
  bool int8, int16, int64, float16, float64, storage8, storage16;

  pthread_mutex_t lock;
  bool lockCreated;
  /* Nonzero once the device is lost: every later call fails with it. */
  int lostStatus;

  VkCommandPool commandPool;
  VkCommandBuffer commands;
  VkFence fence;
  uint32_t dispatches; /* recorded since the last finish */
  /* Descriptor sets or scalar slots were taken since the last reset (by
   * dispatches, or by failed ones, which record nothing). */
  bool taken;

  kernelPipeline *pipelines;
  size_t pipelineCount, pipelineCapacity;

  /* Pools [0, poolCurrent] hold this recording's descriptor sets. */
  VkDescriptorPool *pools;
  uint32_t poolCount, poolCapacity, poolCurrent;

  /* The scalar arena: this recording uses chunks [0, scalarCurrent], of
   * the last of which scalarUsed bytes. */
  recur_vk_buffer **scalarChunks;
  uint32_t scalarCount, scalarCapacity, scalarCurrent;
  uint64_t scalarUsed;

  recur_vk_buffer *retired;
  bufferRegistry live;
};

/*===--------------------------------------------------------------------===*
 * Errors
 *===--------------------------------------------------------------------===*/

static _Thread_local char errorMessage[256];

const char *recur_vk_error_message(void) { return errorMessage; }

int recur_vk_fail(int status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(errorMessage, sizeof errorMessage, format, args);
  va_end(args);
  return status;
}

#define fail recur_vk_fail

static const char *resultName(VkResult result) {
  switch (result) {
#define RECUR_VK_RESULT(name)                                                  \
  case name:                                                                   \
    return #name;
    RECUR_VK_RESULT(VK_NOT_READY)
    RECUR_VK_RESULT(VK_TIMEOUT)
    RECUR_VK_RESULT(VK_INCOMPLETE)
    RECUR_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    RECUR_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    RECUR_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    RECUR_VK_RESULT(VK_ERROR_DEVICE_LOST)
    RECUR_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    RECUR_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    RECUR_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    RECUR_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    RECUR_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    RECUR_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    RECUR_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    RECUR_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    RECUR_VK_RESULT(VK_ERROR_UNKNOWN)
    RECUR_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    RECUR_VK_RESULT(VK_ERROR_FRAGMENTATION)
    RECUR_VK_RESULT(VK_ERROR_INVALID_SHADER_NV)
#undef RECUR_VK_RESULT
  default:
    return "an unknown VkResult";
  }
}

static int statusOfResult(VkResult result) {
  switch (result) {
  case VK_ERROR_OUT_OF_HOST_MEMORY:
  case VK_ERROR_OUT_OF_DEVICE_MEMORY:
  case VK_ERROR_OUT_OF_POOL_MEMORY:
  case VK_ERROR_FRAGMENTED_POOL:
  case VK_ERROR_FRAGMENTATION:
  case VK_ERROR_TOO_MANY_OBJECTS:
    return RECUR_VK_ERROR_OUT_OF_MEMORY;
  case VK_ERROR_DEVICE_LOST:
    return RECUR_VK_ERROR_DEVICE_LOST;
  default:
    return RECUR_VK_ERROR_VULKAN;
  }
}

/* "<what> failed: VK_ERROR_..." with the status of `result`. */
static int vulkanFailure(VkResult result, const char *what) {
  return fail(statusOfResult(result), "%s failed: %s", what,
              resultName(result));
}

/*===--------------------------------------------------------------------===*
 * The loader: libvulkan.so.1, opened once per process
 *===--------------------------------------------------------------------===*/

static struct {
  pthread_once_t once;
  PFN_vkGetInstanceProcAddr getInstanceProcAddr;
  PFN_vkCreateInstance createInstance;
  PFN_vkEnumerateInstanceVersion enumerateInstanceVersion; /* 1.1 */
  char failure[256]; /* why it could not be loaded, "" when it was */
} loader = {PTHREAD_ONCE_INIT, NULL, NULL, NULL, ""};

static void loadVulkan(void) {
  /* Kept open for the life of the process. */
  void *library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    snprintf(loader.failure, sizeof loader.failure,
             "libvulkan.so.1 not found: %s", why ? why : "dlopen failed");
    return;
  }
  void *symbol = dlsym(library, "vkGetInstanceProcAddr");
  if (!symbol) {
    snprintf(loader.failure, sizeof loader.failure,
             "libvulkan.so.1 has no vkGetInstanceProcAddr");
    dlclose(library);
    return;
  }
  /* ISO C has no conversion from void * to a function pointer. */
  memcpy(&loader.getInstanceProcAddr, &symbol, sizeof symbol);
  loader.createInstance = (PFN_vkCreateInstance)loader.getInstanceProcAddr(
      NULL, "vkCreateInstance");
  loader.enumerateInstanceVersion =
      (PFN_vkEnumerateInstanceVersion)loader.getInstanceProcAddr(
          NULL, "vkEnumerateInstanceVersion");
  if (!loader.createInstance)
    snprintf(loader.failure, sizeof loader.failure,
             "libvulkan.so.1 has no vkCreateInstance");
}

static int loadInstanceFunctions(recur_vk_context *context) {
#define RECUR_VK_LOAD(name)                                                    \
  context->vk.name =                                                           \
      (PFN_vk##name)loader.getInstanceProcAddr(context->instance, "vk" #name); \
  if (!context->vk.name)                                                       \
    return fail(RECUR_VK_ERROR_UNAVAILABLE,                                    \
                "the Vulkan loader has no vk" #name);
  RECUR_VK_INSTANCE_FUNCTIONS(RECUR_VK_LOAD)
#undef RECUR_VK_LOAD
  return RECUR_VK_SUCCESS;
}

static int loadDeviceFunctions(recur_vk_context *context) {
#define RECUR_VK_LOAD(name)                                                    \
  context->vk.name = (PFN_vk##name)context->vk.GetDeviceProcAddr(              \
      context->device, "vk" #name);                                            \
  if (!context->vk.name)                                                       \
    return fail(RECUR_VK_ERROR_UNAVAILABLE,                                    \
                "the Vulkan device has no vk" #name);
  RECUR_VK_DEVICE_FUNCTIONS(RECUR_VK_LOAD)
#undef RECUR_VK_LOAD
  return RECUR_VK_SUCCESS;
}

/*===--------------------------------------------------------------------===*
 * The registry of live buffers
 *===--------------------------------------------------------------------===*/

/* The slot where the probe for `pointer` starts (a 64-bit mix of its
 * address, as allocations share their low and high bits). */
static size_t registryHome(const bufferRegistry *registry,
                           const void *pointer) {
  uint64_t key = (uint64_t)(uintptr_t)pointer;
  key ^= key >> 33;
  key *= UINT64_C(0xff51afd7ed558ccd);
  key ^= key >> 33;
  return (size_t)key & (registry->capacity - 1);
}

/* The slot holding `pointer`, or SIZE_MAX. */
static size_t registryFind(const bufferRegistry *registry,
                           const void *pointer) {
  if (!registry->count || !pointer)
    return SIZE_MAX;
  size_t mask = registry->capacity - 1;
  for (size_t i = registryHome(registry, pointer);; i = (i + 1) & mask) {
    if (registry->slots[i] == pointer)
      return i;
    if (!registry->slots[i])
      return SIZE_MAX;
  }
}

static bool isLiveBuffer(const recur_vk_context *context, const void *pointer) {
  return registryFind(&context->live, pointer) != SIZE_MAX;
}

/* Adds `buffer` (not in it yet); fails only when growing runs out of
 * memory, and then changes nothing. */
static int registryAdd(bufferRegistry *registry, recur_vk_buffer *buffer) {
  if (2 * (registry->count + 1) > registry->capacity) {
    size_t capacity = registry->capacity ? 2 * registry->capacity : 64;
    recur_vk_buffer **slots = calloc(capacity, sizeof *slots);
    if (!slots)
      return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
    bufferRegistry grown = {slots, capacity, 0};
    /* At most a quarter full: these adds do not grow it, nor fail. */
    for (size_t i = 0; i < registry->capacity; ++i)
      if (registry->slots[i])
        registryAdd(&grown, registry->slots[i]);
    free(registry->slots);
    *registry = grown;
  }
  size_t mask = registry->capacity - 1, i = registryHome(registry, buffer);
  while (registry->slots[i])
    i = (i + 1) & mask;
  registry->slots[i] = buffer;
  ++registry->count;
  return RECUR_VK_SUCCESS;
}

/* Removes `pointer`; false when it was not there. */
static bool registryRemove(bufferRegistry *registry, const void *pointer) {
  size_t hole = registryFind(registry, pointer);
  if (hole == SIZE_MAX)
    return false;
  registry->slots[hole] = NULL;
  --registry->count;
  /* Moves back every entry after the hole (up to the next empty slot)
   * whose probe passes the hole, so that no lookup stops there early. */
  size_t mask = registry->capacity - 1;
  for (size_t i = (hole + 1) & mask; registry->slots[i]; i = (i + 1) & mask) {
    size_t home = registryHome(registry, registry->slots[i]);
    if (((i - hole) & mask) <= ((i - home) & mask)) {
      registry->slots[hole] = registry->slots[i];
      registry->slots[i] = NULL;
      hole = i;
    }
  }
  return true;
}

/* "<where>: 0x... is not a live buffer of this context". */
static int notLiveFailure(const void *pointer, const char *where) {
  return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
              "%s: 0x%" PRIxPTR " is not a live buffer of this context", where,
              (uintptr_t)pointer);
}

/*===--------------------------------------------------------------------===*
 * Contexts
 *===--------------------------------------------------------------------===*/

static int createInstance(recur_vk_context *context) {
  pthread_once(&loader.once, loadVulkan);
  if (loader.failure[0])
    return fail(RECUR_VK_ERROR_UNAVAILABLE, "%s", loader.failure);
  uint32_t version = VK_API_VERSION_1_0;
  if (loader.enumerateInstanceVersion)
    loader.enumerateInstanceVersion(&version);
  if (version < VK_API_VERSION_1_1)
    return fail(RECUR_VK_ERROR_UNAVAILABLE,
                "the Vulkan loader is version %u.%u; recur needs 1.1",
                VK_API_VERSION_MAJOR(version), VK_API_VERSION_MINOR(version));
  VkApplicationInfo application = {
      .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
      .pApplicationName = "recur",
      .pEngineName = "recur",
      .apiVersion = version < VK_API_VERSION_1_3 ? version : VK_API_VERSION_1_3,
  };
  VkInstanceCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
      .pApplicationInfo = &application,
  };
  VkResult result = loader.createInstance(&info, NULL, &context->instance);
  if (result != VK_SUCCESS) {
    context->instance = VK_NULL_HANDLE;
    int status = vulkanFailure(result, "vkCreateInstance");
    return result == VK_ERROR_INCOMPATIBLE_DRIVER ||
                   result == VK_ERROR_INITIALIZATION_FAILED
               ? RECUR_VK_ERROR_UNAVAILABLE
               : status;
  }
  return loadInstanceFunctions(context);
}

/* The first queue family with compute, or UINT32_MAX. */
static uint32_t computeQueueFamily(recur_vk_context *context,
                                   VkPhysicalDevice device) {
  uint32_t count = 0;
  context->vk.GetPhysicalDeviceQueueFamilyProperties(device, &count, NULL);
  VkQueueFamilyProperties *families =
      calloc(count ? count : 1, sizeof *families);
  if (!families)
    return UINT32_MAX;
  context->vk.GetPhysicalDeviceQueueFamilyProperties(device, &count, families);
  uint32_t found = UINT32_MAX;
  for (uint32_t i = 0; i < count && found == UINT32_MAX; ++i)
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      found = i;
  free(families);
  return found;
}

/* Picks the device (RECUR_VULKAN_DEVICE or the first fit one) and its
 * compute queue family. */
static int choosePhysicalDevice(recur_vk_context *context,
                                uint32_t *queueFamily) {
  uint32_t count = 0;
  VkResult result =
      context->vk.EnumeratePhysicalDevices(context->instance, &count, NULL);
  if (result != VK_SUCCESS && result != VK_INCOMPLETE)
    return vulkanFailure(result, "vkEnumeratePhysicalDevices");
  if (count == 0)
    return fail(RECUR_VK_ERROR_UNAVAILABLE, "no Vulkan device");
  VkPhysicalDevice *devices = calloc(count, sizeof *devices);
  if (!devices)
    return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
  result =
      context->vk.EnumeratePhysicalDevices(context->instance, &count, devices);
  if (result != VK_SUCCESS && result != VK_INCOMPLETE) {
    free(devices);
    return vulkanFailure(result, "vkEnumeratePhysicalDevices");
  }

  const char *chosen = getenv("RECUR_VULKAN_DEVICE");
  uint32_t first = 0, last = count;
  if (chosen && chosen[0]) {
    char *end;
    errno = 0;
    unsigned long index = strtoul(chosen, &end, 10);
    if (*end || errno || chosen[0] == '-' || index >= count) {
      free(devices);
      return fail(RECUR_VK_ERROR_UNAVAILABLE,
                  "no Vulkan device RECUR_VULKAN_DEVICE=%s (there are %u)",
                  chosen, count);
    }
    first = (uint32_t)index;
    last = first + 1;
  }
  bool found = false;
  VkPhysicalDeviceProperties properties;
  uint32_t family = UINT32_MAX, index = first;
  for (; index < last && !found; ++index) {
    context->vk.GetPhysicalDeviceProperties(devices[index], &properties);
    family = computeQueueFamily(context, devices[index]);
    found = properties.apiVersion >= VK_API_VERSION_1_1 && family != UINT32_MAX;
    if (found) {
      context->physicalDevice = devices[index];
      context->properties = properties;
      *queueFamily = family;
    }
  }
  free(devices);
  if (found)
    return RECUR_VK_SUCCESS;
  if (last - first == 1)
    return fail(RECUR_VK_ERROR_UNAVAILABLE, "Vulkan device %u (%s) has %s",
                first, properties.deviceName,
                family == UINT32_MAX ? "no compute queue" : "only Vulkan 1.0");
  return fail(RECUR_VK_ERROR_UNAVAILABLE,
              "no Vulkan 1.1 device with a compute queue");
}

/* Creates the device with every feature of the list in vulkan.h that the
 * physical device has, and its queue. */
static int createDevice(recur_vk_context *context, uint32_t queueFamily) {
  uint32_t version = context->properties.apiVersion;
  if (loader.enumerateInstanceVersion) {
    uint32_t instanceVersion = VK_API_VERSION_1_1;
    loader.enumerateInstanceVersion(&instanceVersion);
    if (instanceVersion < version)
      version = instanceVersion;
  }
  bool vulkan12 = version >= VK_API_VERSION_1_2;

  /* What the device has: the 1.1/1.2 structs on 1.2, else 1.1's own. */
  VkPhysicalDeviceVulkan12Features has12 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features has11 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
      .pNext = &has12};
  VkPhysicalDevice16BitStorageFeatures has16 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceFeatures2 has = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
      .pNext = vulkan12 ? (void *)&has11 : (void *)&has16};
  context->vk.GetPhysicalDeviceFeatures2(context->physicalDevice, &has);

  context->int16 = has.features.shaderInt16;
  context->int64 = has.features.shaderInt64;
  context->float64 = has.features.shaderFloat64;
  context->storage16 = vulkan12 ? has11.storageBuffer16BitAccess
                                : has16.storageBuffer16BitAccess;
  context->int8 = vulkan12 && has12.shaderInt8;
  context->float16 = vulkan12 && has12.shaderFloat16;
  context->storage8 = vulkan12 && has12.storageBuffer8BitAccess;

  VkPhysicalDeviceVulkan12Features enable12 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
      .shaderInt8 = context->int8,
      .shaderFloat16 = context->float16,
      .storageBuffer8BitAccess = context->storage8};
  VkPhysicalDeviceVulkan11Features enable11 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
      .pNext = &enable12,
      .storageBuffer16BitAccess = context->storage16};
  VkPhysicalDevice16BitStorageFeatures enable16 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
      .storageBuffer16BitAccess = context->storage16};
  VkPhysicalDeviceFeatures2 enable = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
      .pNext = vulkan12 ? (void *)&enable11 : (void *)&enable16};
  enable.features.shaderInt16 = context->int16;
  enable.features.shaderInt64 = context->int64;
  enable.features.shaderFloat64 = context->float64;

  float priority = 1.0f;
  VkDeviceQueueCreateInfo queue = {
      .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
      .queueFamilyIndex = queueFamily,
      .queueCount = 1,
      .pQueuePriorities = &priority,
  };
  VkDeviceCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
      .pNext = &enable,
      .queueCreateInfoCount = 1,
      .pQueueCreateInfos = &queue,
  };
  VkResult result = context->vk.CreateDevice(context->physicalDevice, &info,
                                             NULL, &context->device);
  if (result != VK_SUCCESS) {
    context->device = VK_NULL_HANDLE;
    return vulkanFailure(result, "vkCreateDevice");
  }
  int status = loadDeviceFunctions(context);
  if (status)
    return status;
  context->vk.GetDeviceQueue(context->device, queueFamily, 0, &context->queue);
  context->vk.GetPhysicalDeviceMemoryProperties(context->physicalDevice,
                                                &context->memory);

  VkCommandPoolCreateInfo poolInfo = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
      .flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT,
      .queueFamilyIndex = queueFamily,
  };
  result = context->vk.CreateCommandPool(context->device, &poolInfo, NULL,
                                         &context->commandPool);
  if (result != VK_SUCCESS) {
    context->commandPool = VK_NULL_HANDLE;
    return vulkanFailure(result, "vkCreateCommandPool");
  }
  VkCommandBufferAllocateInfo commandsInfo = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
      .commandPool = context->commandPool,
      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
      .commandBufferCount = 1,
  };
  result = context->vk.AllocateCommandBuffers(context->device, &commandsInfo,
                                              &context->commands);
  if (result != VK_SUCCESS)
    return vulkanFailure(result, "vkAllocateCommandBuffers");
  VkFenceCreateInfo fenceInfo = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  result = context->vk.CreateFence(context->device, &fenceInfo, NULL,
                                   &context->fence);
  if (result != VK_SUCCESS) {
    context->fence = VK_NULL_HANDLE;
    return vulkanFailure(result, "vkCreateFence");
  }
  return RECUR_VK_SUCCESS;
}

int recur_vk_context_create(recur_vk_context **out) {
  if (!out)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "recur_vk_context_create: out is NULL");
  *out = NULL;
  recur_vk_context *context = calloc(1, sizeof *context);
  if (!context)
    return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
  uint32_t queueFamily = 0;
  int status = createInstance(context);
  if (!status)
    status = choosePhysicalDevice(context, &queueFamily);
  if (!status)
    status = createDevice(context, queueFamily);
  if (!status) {
    if (pthread_mutex_init(&context->lock, NULL) == 0)
      context->lockCreated = true;
    else
      status = fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "pthread_mutex_init failed");
  }
  if (status) {
    recur_vk_context_destroy(context);
    return status;
  }
  *out = context;
  return RECUR_VK_SUCCESS;
}

static void freeBuffer(recur_vk_context *context, recur_vk_buffer *buffer) {
  /* Unmapped implicitly by vkFreeMemory. */
  if (buffer->buffer)
    context->vk.DestroyBuffer(context->device, buffer->buffer, NULL);
  if (buffer->memory)
    context->vk.FreeMemory(context->device, buffer->memory, NULL);
  free(buffer);
}

static void freeRetiredBuffers(recur_vk_context *context) {
  while (context->retired) {
    recur_vk_buffer *next = context->retired->nextRetired;
    freeBuffer(context, context->retired);
    context->retired = next;
  }
}

static void destroyPipeline(recur_vk_context *context,
                            kernelPipeline *pipeline) {
  if (pipeline->pipeline)
    context->vk.DestroyPipeline(context->device, pipeline->pipeline, NULL);
  if (pipeline->layout)
    context->vk.DestroyPipelineLayout(context->device, pipeline->layout, NULL);
  if (pipeline->setLayout)
    context->vk.DestroyDescriptorSetLayout(context->device, pipeline->setLayout,
                                           NULL);
  free(pipeline->entry);
}

void recur_vk_context_destroy(recur_vk_context *context) {
  if (!context)
    return;
  if (context->device) {
    if (context->vk.DeviceWaitIdle)
      context->vk.DeviceWaitIdle(context->device);
    /* The device functions are all there when the command pool is. */
    if (context->commandPool) {
      freeRetiredBuffers(context);
      /* The buffers the caller did not destroy. */
      for (size_t i = 0; i < context->live.capacity; ++i)
        if (context->live.slots[i])
          freeBuffer(context, context->live.slots[i]);
      for (uint32_t i = 0; i < context->scalarCount; ++i)
        freeBuffer(context, context->scalarChunks[i]);
      for (uint32_t i = 0; i < context->poolCount; ++i)
        context->vk.DestroyDescriptorPool(context->device, context->pools[i],
                                          NULL);
      for (size_t i = 0; i < context->pipelineCount; ++i)
        destroyPipeline(context, &context->pipelines[i]);
      if (context->fence)
        context->vk.DestroyFence(context->device, context->fence, NULL);
      context->vk.DestroyCommandPool(context->device, context->commandPool,
                                     NULL);
    }
    if (context->vk.DestroyDevice)
      context->vk.DestroyDevice(context->device, NULL);
  }
  if (context->instance && context->vk.DestroyInstance)
    context->vk.DestroyInstance(context->instance, NULL);
  if (context->lockCreated)
    pthread_mutex_destroy(&context->lock);
  free(context->live.slots);
  free(context->scalarChunks);
  free(context->pools);
  free(context->pipelines);
  free(context);
}

static struct {
  pthread_once_t once;
  recur_vk_context *context;
  int status;
  char failure[256];
} defaultContext = {PTHREAD_ONCE_INIT, NULL, 0, ""};

static void createDefaultContext(void) {
  defaultContext.status = recur_vk_context_create(&defaultContext.context);
  if (defaultContext.status)
    snprintf(defaultContext.failure, sizeof defaultContext.failure, "%s",
             errorMessage);
}

recur_vk_context *recur_vk_default_context(int *status) {
  pthread_once(&defaultContext.once, createDefaultContext);
  if (status)
    *status = defaultContext.status;
  if (defaultContext.status) {
    fail(defaultContext.status, "%s", defaultContext.failure);
    return NULL;
  }
  return defaultContext.context;
}

/*===--------------------------------------------------------------------===*
 * Buffers
 *===--------------------------------------------------------------------===*/

/* Allocates memory for `requirements`, trying the types that are host
 * visible and coherent, device-local ones first. */
static int allocateMemory(recur_vk_context *context,
                          const VkMemoryRequirements *requirements,
                          VkDeviceMemory *memory) {
  const VkMemoryPropertyFlags hostFlags = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                          VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  VkResult result = VK_ERROR_OUT_OF_DEVICE_MEMORY;
  bool typeFound = false;
  for (int deviceLocal = 1; deviceLocal >= 0; --deviceLocal) {
    for (uint32_t type = 0; type < context->memory.memoryTypeCount; ++type) {
      VkMemoryPropertyFlags flags =
          context->memory.memoryTypes[type].propertyFlags;
      if (!(requirements->memoryTypeBits & (1u << type)) ||
          (flags & hostFlags) != hostFlags ||
          !!(flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) != deviceLocal)
        continue;
      typeFound = true;
      VkMemoryAllocateInfo info = {
          .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
          .allocationSize = requirements->size,
          .memoryTypeIndex = type,
      };
      result = context->vk.AllocateMemory(context->device, &info, NULL, memory);
      if (result == VK_SUCCESS)
        return RECUR_VK_SUCCESS;
      *memory = VK_NULL_HANDLE;
      /* Another heap may have room (a small device-local BAR heap). */
      if (result != VK_ERROR_OUT_OF_DEVICE_MEMORY)
        break;
    }
  }
  if (!typeFound)
    return fail(RECUR_VK_ERROR_VULKAN,
                "no host-visible coherent memory type for a buffer");
  char what[96];
  snprintf(what, sizeof what, "vkAllocateMemory of %" PRIu64 " bytes",
           (uint64_t)requirements->size);
  return vulkanFailure(result, what);
}

/* A buffer without taking the lock. */
static int createBuffer(recur_vk_context *context, uint64_t bytes,
                        recur_vk_buffer **out) {
  recur_vk_buffer *buffer = calloc(1, sizeof *buffer);
  if (!buffer)
    return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
  buffer->bytes = bytes;
  /* Vulkan has no empty buffers, and storage ranges are whole words. */
  buffer->allocated = bytes < 4 ? 4 : bytes;
  VkBufferCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
      .size = buffer->allocated,
      .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
               VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT,
      .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  VkResult result =
      context->vk.CreateBuffer(context->device, &info, NULL, &buffer->buffer);
  if (result != VK_SUCCESS) {
    buffer->buffer = VK_NULL_HANDLE;
    freeBuffer(context, buffer);
    char what[96];
    snprintf(what, sizeof what, "vkCreateBuffer of %" PRIu64 " bytes", bytes);
    return vulkanFailure(result, what);
  }
  VkMemoryRequirements requirements;
  context->vk.GetBufferMemoryRequirements(context->device, buffer->buffer,
                                          &requirements);
  int status = allocateMemory(context, &requirements, &buffer->memory);
  if (!status) {
    result = context->vk.BindBufferMemory(context->device, buffer->buffer,
                                          buffer->memory, 0);
    if (result != VK_SUCCESS)
      status = vulkanFailure(result, "vkBindBufferMemory");
  }
  if (!status) {
    void *mapped = NULL;
    result = context->vk.MapMemory(context->device, buffer->memory, 0,
                                   VK_WHOLE_SIZE, 0, &mapped);
    if (result != VK_SUCCESS)
      status = vulkanFailure(result, "vkMapMemory");
    buffer->mapped = mapped;
  }
  if (status) {
    freeBuffer(context, buffer);
    return status;
  }
  *out = buffer;
  return RECUR_VK_SUCCESS;
}

static int lostFailure(recur_vk_context *context) {
  return fail(context->lostStatus, "%s; the context is unusable",
              context->lostStatus == RECUR_VK_ERROR_DEVICE_LOST
                  ? "the Vulkan device was lost"
                  : "waiting for the Vulkan device failed");
}

int recur_vk_buffer_create(recur_vk_context *context, uint64_t bytes,
                           recur_vk_buffer **out) {
  if (!context || !out)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "recur_vk_buffer_create: context or out is NULL");
  *out = NULL;
  pthread_mutex_lock(&context->lock);
  recur_vk_buffer *buffer = NULL;
  int status = context->lostStatus ? lostFailure(context)
                                   : createBuffer(context, bytes, &buffer);
  if (!status) {
    status = registryAdd(&context->live, buffer);
    if (status)
      freeBuffer(context, buffer);
    else
      *out = buffer;
  }
  pthread_mutex_unlock(&context->lock);
  return status;
}

static int flush(recur_vk_context *context);

/* Checks [offset, offset + bytes) against the buffer, then runs the work
 * recorded so far. */
static int prepareCopy(recur_vk_context *context, recur_vk_buffer *buffer,
                       uint64_t offset, const void *host, uint64_t bytes,
                       const char *function) {
  if (!buffer || (!host && bytes))
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT, "%s: %s is NULL", function,
                buffer ? "the host pointer" : "the buffer");
  if (!isLiveBuffer(context, buffer))
    return notLiveFailure(buffer, function);
  if (offset > buffer->bytes || bytes > buffer->bytes - offset)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "%s: %" PRIu64 " bytes at offset %" PRIu64
                " are outside the buffer of %" PRIu64 " bytes",
                function, bytes, offset, buffer->bytes);
  if (context->lostStatus)
    return lostFailure(context);
  return flush(context);
}

int recur_vk_buffer_write(recur_vk_context *context, recur_vk_buffer *buffer,
                          uint64_t offset, const void *src, uint64_t bytes) {
  if (!context)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "recur_vk_buffer_write: the context is NULL");
  pthread_mutex_lock(&context->lock);
  int status =
      prepareCopy(context, buffer, offset, src, bytes, "recur_vk_buffer_write");
  if (!status && bytes)
    memcpy(buffer->mapped + offset, src, bytes);
  pthread_mutex_unlock(&context->lock);
  return status;
}

int recur_vk_buffer_read(recur_vk_context *context, recur_vk_buffer *buffer,
                         uint64_t offset, void *dst, uint64_t bytes) {
  if (!context)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "recur_vk_buffer_read: the context is NULL");
  pthread_mutex_lock(&context->lock);
  int status =
      prepareCopy(context, buffer, offset, dst, bytes, "recur_vk_buffer_read");
  if (!status && bytes)
    memcpy(dst, buffer->mapped + offset, bytes);
  pthread_mutex_unlock(&context->lock);
  return status;
}

void recur_vk_buffer_destroy(recur_vk_context *context,
                             recur_vk_buffer *buffer) {
  if (!context || !buffer)
    return;
  pthread_mutex_lock(&context->lock);
  if (!registryRemove(&context->live, buffer)) {
    /* Destroyed already, or never this context's: nothing to free. */
    notLiveFailure(buffer, "recur_vk_buffer_destroy");
  } else if (context->dispatches) {
    buffer->nextRetired = context->retired;
    context->retired = buffer;
  } else {
    freeBuffer(context, buffer);
  }
  pthread_mutex_unlock(&context->lock);
}

/*===--------------------------------------------------------------------===*
 * Kernels
 *===--------------------------------------------------------------------===*/

/* The name of SPIR-V capability `capability` when the device did not
 * enable what it needs, else NULL. */
static const char *missingCapability(const recur_vk_context *context,
                                     uint32_t capability) {
  switch (capability) {
  case SPV_CAPABILITY_FLOAT16:
    return context->float16 ? NULL : "Float16";
  case SPV_CAPABILITY_FLOAT64:
    return context->float64 ? NULL : "Float64";
  case SPV_CAPABILITY_INT64:
    return context->int64 ? NULL : "Int64";
  case SPV_CAPABILITY_INT16:
    return context->int16 ? NULL : "Int16";
  case SPV_CAPABILITY_INT8:
    return context->int8 ? NULL : "Int8";
  case SPV_CAPABILITY_STORAGE_BUFFER_16BIT_ACCESS:
    return context->storage16 ? NULL : "StorageBuffer16BitAccess";
  case SPV_CAPABILITY_STORAGE_BUFFER_8BIT_ACCESS:
    return context->storage8 ? NULL : "StorageBuffer8BitAccess";
  default:
    /* The others are the driver's to judge. */
    return NULL;
  }
}

/* Checks what a driver would not: that `kernel` is SPIR-V, has a
 * GLCompute entry point of its name, and declares no capability the
 * device lacks. */
static int checkKernel(const recur_vk_context *context,
                       const recur_vk_kernel *kernel) {
  const char *entry = kernel->entry ? kernel->entry : "(NULL)";
  const uint32_t *words = kernel->spirv;
  uint64_t count = kernel->spirv_bytes / 4;
  if (!words || !kernel->entry || kernel->spirv_bytes % 4 || count < 5 ||
      words[0] != SPV_MAGIC)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s: not a SPIR-V module", entry);
  bool entryFound = false;
  for (uint64_t at = 5; at < count;) {
    uint32_t opcode = words[at] & 0xffff, length = words[at] >> 16;
    if (length == 0 || length > count - at)
      return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                  "kernel %s: malformed SPIR-V at word %" PRIu64, entry, at);
    if (opcode == SPV_OP_CAPABILITY && length == 2) {
      const char *missing = missingCapability(context, words[at + 1]);
      if (missing)
        return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                    "kernel %s needs the SPIR-V capability %s, which "
                    "Vulkan device %s does not have",
                    entry, missing, context->properties.deviceName);
    } else if (opcode == SPV_OP_ENTRY_POINT && length > 3 &&
               words[at + 1] == SPV_GL_COMPUTE) {
      /* The name: a nul-terminated string packed in the words after the
       * execution model and the function's id. */
      const char *name = (const char *)&words[at + 3];
      size_t room = (size_t)(length - 3) * 4;
      if (strnlen(name, room) < room && strcmp(name, kernel->entry) == 0)
        entryFound = true;
    } else if (opcode != SPV_OP_EXTENSION && opcode != SPV_OP_EXT_INST_IMPORT &&
               opcode != SPV_OP_MEMORY_MODEL && opcode != SPV_OP_ENTRY_POINT) {
      /* Capabilities and entry points come first in a module. */
      break;
    }
    at += length;
  }
  if (!entryFound)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s: the SPIR-V module has no GLCompute entry point "
                "of that name",
                entry);
  return RECUR_VK_SUCCESS;
}

/* Builds the set layout, pipeline layout and pipeline of `kernel` into
 * `pipeline`; on failure the caller destroys what was built. */
static int buildPipeline(recur_vk_context *context,
                         const recur_vk_kernel *kernel,
                         kernelPipeline *pipeline) {
  VkDescriptorSetLayoutBinding *bindings = NULL;
  if (kernel->num_args) {
    bindings = calloc(kernel->num_args, sizeof *bindings);
    if (!bindings)
      return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
  }
  for (uint32_t i = 0; i < kernel->num_args; ++i)
    bindings[i] = (VkDescriptorSetLayoutBinding){
        .binding = i,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = 1,
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
  VkDescriptorSetLayoutCreateInfo setInfo = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
      .bindingCount = kernel->num_args,
      .pBindings = bindings,
  };
  VkResult result = context->vk.CreateDescriptorSetLayout(
      context->device, &setInfo, NULL, &pipeline->setLayout);
  free(bindings);
  if (result != VK_SUCCESS) {
    pipeline->setLayout = VK_NULL_HANDLE;
    return vulkanFailure(result, "vkCreateDescriptorSetLayout");
  }
  VkPipelineLayoutCreateInfo layoutInfo = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
      .setLayoutCount = 1,
      .pSetLayouts = &pipeline->setLayout,
  };
  result = context->vk.CreatePipelineLayout(context->device, &layoutInfo, NULL,
                                            &pipeline->layout);
  if (result != VK_SUCCESS) {
    pipeline->layout = VK_NULL_HANDLE;
    return vulkanFailure(result, "vkCreatePipelineLayout");
  }
  VkShaderModuleCreateInfo moduleInfo = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
      .codeSize = (size_t)kernel->spirv_bytes,
      .pCode = kernel->spirv,
  };
  VkShaderModule module;
  result = context->vk.CreateShaderModule(context->device, &moduleInfo, NULL,
                                          &module);
  if (result != VK_SUCCESS)
    return vulkanFailure(result, "vkCreateShaderModule");
  VkComputePipelineCreateInfo pipelineInfo = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage =
          {
              .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
              .stage = VK_SHADER_STAGE_COMPUTE_BIT,
              .module = module,
              .pName = kernel->entry,
          },
      .layout = pipeline->layout,
  };
  result = context->vk.CreateComputePipelines(context->device, VK_NULL_HANDLE,
                                              1, &pipelineInfo, NULL,
                                              &pipeline->pipeline);
  context->vk.DestroyShaderModule(context->device, module, NULL);
  if (result != VK_SUCCESS) {
    pipeline->pipeline = VK_NULL_HANDLE;
    char what[160];
    snprintf(what, sizeof what, "vkCreateComputePipelines of kernel %s",
             kernel->entry);
    return vulkanFailure(result, what);
  }
  return RECUR_VK_SUCCESS;
}

/* The pipeline of `kernel`, built and cached by its first dispatch. */
static int findPipeline(recur_vk_context *context,
                        const recur_vk_kernel *kernel, kernelPipeline **out) {
  for (size_t i = 0; i < context->pipelineCount; ++i) {
    kernelPipeline *cached = &context->pipelines[i];
    if (cached->spirv == kernel->spirv &&
        strcmp(cached->entry, kernel->entry) == 0) {
      if (cached->numArgs != kernel->num_args)
        return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                    "kernel %s: %u arguments, but %u when it was first "
                    "dispatched",
                    kernel->entry, kernel->num_args, cached->numArgs);
      *out = cached;
      return RECUR_VK_SUCCESS;
    }
  }
  int status = checkKernel(context, kernel);
  if (status)
    return status;
  if (context->pipelineCount == context->pipelineCapacity) {
    size_t capacity =
        context->pipelineCapacity ? 2 * context->pipelineCapacity : 8;
    kernelPipeline *grown =
        realloc(context->pipelines, capacity * sizeof *grown);
    if (!grown)
      return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
    context->pipelines = grown;
    context->pipelineCapacity = capacity;
  }
  kernelPipeline pipeline = {.spirv = kernel->spirv,
                             .numArgs = kernel->num_args};
  size_t entryBytes = strlen(kernel->entry) + 1;
  pipeline.entry = malloc(entryBytes);
  if (!pipeline.entry)
    return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
  memcpy(pipeline.entry, kernel->entry, entryBytes);
  status = buildPipeline(context, kernel, &pipeline);
  if (status) {
    destroyPipeline(context, &pipeline);
    return status;
  }
  context->pipelines[context->pipelineCount] = pipeline;
  *out = &context->pipelines[context->pipelineCount++];
  return RECUR_VK_SUCCESS;
}

/*===--------------------------------------------------------------------===*
 * Recording and submission
 *===--------------------------------------------------------------------===*/

/* A descriptor set of the pipeline's layout from this recording's pools,
 * adding a pool when they are full. */
static int allocateDescriptorSet(recur_vk_context *context,
                                 const kernelPipeline *pipeline,
                                 VkDescriptorSet *set) {
  VkDescriptorSetAllocateInfo info = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
      .descriptorSetCount = 1,
      .pSetLayouts = &pipeline->setLayout,
  };
  for (; context->poolCurrent < context->poolCount; ++context->poolCurrent) {
    info.descriptorPool = context->pools[context->poolCurrent];
    VkResult result =
        context->vk.AllocateDescriptorSets(context->device, &info, set);
    if (result == VK_SUCCESS)
      return RECUR_VK_SUCCESS;
    if (result != VK_ERROR_OUT_OF_POOL_MEMORY &&
        result != VK_ERROR_FRAGMENTED_POOL)
      return vulkanFailure(result, "vkAllocateDescriptorSets");
  }
  /* Every pool is full: a new one, with room for this kernel. */
  if (context->poolCount == context->poolCapacity) {
    uint32_t capacity = context->poolCapacity ? 2 * context->poolCapacity : 4;
    VkDescriptorPool *grown = realloc(context->pools, capacity * sizeof *grown);
    if (!grown)
      return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
    context->pools = grown;
    context->poolCapacity = capacity;
  }
  VkDescriptorPoolSize size = {
      .type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      .descriptorCount = pipeline->numArgs > POOL_DESCRIPTORS
                             ? pipeline->numArgs
                             : POOL_DESCRIPTORS,
  };
  VkDescriptorPoolCreateInfo poolInfo = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
      .maxSets = POOL_SETS,
      .poolSizeCount = 1,
      .pPoolSizes = &size,
  };
  VkResult result = context->vk.CreateDescriptorPool(
      context->device, &poolInfo, NULL, &info.descriptorPool);
  if (result != VK_SUCCESS)
    return vulkanFailure(result, "vkCreateDescriptorPool");
  context->pools[context->poolCount] = info.descriptorPool;
  context->poolCurrent = context->poolCount++;
  result = context->vk.AllocateDescriptorSets(context->device, &info, set);
  if (result != VK_SUCCESS)
    return vulkanFailure(result, "vkAllocateDescriptorSets");
  return RECUR_VK_SUCCESS;
}

/* A slot of the scalar arena holding the `bytes` bytes at `data`: the
 * chunk and the offset in it. */
static int storeScalar(recur_vk_context *context, const void *data,
                       uint64_t bytes, recur_vk_buffer **chunk,
                       uint64_t *offset) {
  uint64_t alignment =
      context->properties.limits.minStorageBufferOffsetAlignment;
  if (alignment < 8)
    alignment = 8;
  uint64_t at = (context->scalarUsed + alignment - 1) / alignment * alignment;
  if (context->scalarCurrent >= context->scalarCount ||
      at + bytes > SCALAR_CHUNK_BYTES) {
    /* The next chunk: one kept from an earlier recording, or a new one. */
    uint32_t next = context->scalarCurrent < context->scalarCount
                        ? context->scalarCurrent + 1
                        : context->scalarCount;
    if (next == context->scalarCount) {
      if (context->scalarCount == context->scalarCapacity) {
        uint32_t capacity =
            context->scalarCapacity ? 2 * context->scalarCapacity : 4;
        recur_vk_buffer **grown =
            realloc(context->scalarChunks, capacity * sizeof *grown);
        if (!grown)
          return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
        context->scalarChunks = grown;
        context->scalarCapacity = capacity;
      }
      int status = createBuffer(context, SCALAR_CHUNK_BYTES,
                                &context->scalarChunks[next]);
      if (status)
        return status;
      ++context->scalarCount;
    }
    context->scalarCurrent = next;
    at = 0;
  }
  *chunk = context->scalarChunks[context->scalarCurrent];
  *offset = at;
  memcpy((*chunk)->mapped + at, data, bytes);
  context->scalarUsed = at + bytes;
  return RECUR_VK_SUCCESS;
}

/* Checks argument `index` and says what its descriptor binds (a scalar's
 * buffer is filled in later). */
static int checkArgument(const recur_vk_context *context,
                         const recur_vk_kernel *kernel, uint32_t index,
                         const recur_vk_arg *arg,
                         VkDescriptorBufferInfo *info) {
  if (arg->data) {
    if (arg->size == 0 || arg->size % 4 || arg->size > MAX_DATA_BYTES)
      return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                  "kernel %s, argument %u: %" PRIu64 " bytes of data (a "
                  "multiple of 4 from 4 to %d expected)",
                  kernel->entry, index, arg->size, MAX_DATA_BYTES);
    info->range = arg->size;
    return RECUR_VK_SUCCESS;
  }
  if (arg->scalar_bytes) {
    if (arg->scalar_bytes != 1 && arg->scalar_bytes != 2 &&
        arg->scalar_bytes != 4 && arg->scalar_bytes != 8)
      return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                  "kernel %s, argument %u: a scalar of %u bytes (1, 2, 4 or "
                  "8 expected)",
                  kernel->entry, index, arg->scalar_bytes);
    info->range = arg->scalar_bytes;
    return RECUR_VK_SUCCESS;
  }
  const recur_vk_buffer *buffer = arg->buffer;
  const VkPhysicalDeviceLimits *limits = &context->properties.limits;
  if (!buffer)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s, argument %u: the buffer is NULL", kernel->entry,
                index);
  if (!isLiveBuffer(context, buffer)) {
    char where[160];
    snprintf(where, sizeof where, "kernel %s, argument %u", kernel->entry,
             index);
    return notLiveFailure(buffer, where);
  }
  if (arg->offset > buffer->bytes || arg->size > buffer->bytes - arg->offset)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s, argument %u: %" PRIu64 " bytes at offset %" PRIu64
                " are outside the buffer of %" PRIu64 " bytes",
                kernel->entry, index, arg->size, arg->offset, buffer->bytes);
  if (arg->offset % limits->minStorageBufferOffsetAlignment)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s, argument %u: offset %" PRIu64
                " is not a multiple of the device's "
                "minStorageBufferOffsetAlignment %" PRIu64,
                kernel->entry, index, arg->offset,
                (uint64_t)limits->minStorageBufferOffsetAlignment);
  uint64_t range = arg->size ? arg->size : buffer->allocated - arg->offset;
  if (range > limits->maxStorageBufferRange)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s, argument %u: a range of %" PRIu64
                " bytes, above the device's maxStorageBufferRange %" PRIu32,
                kernel->entry, index, range, limits->maxStorageBufferRange);
  info->buffer = buffer->buffer;
  info->offset = arg->offset;
  info->range = range;
  if (range == 0) {
    /* An empty view at the buffer's end: Vulkan has no empty ranges, and
     * the kernel reads nothing of it. */
    info->offset = 0;
    info->range = 4;
  }
  return RECUR_VK_SUCCESS;
}

static int dispatch(recur_vk_context *context, const recur_vk_kernel *kernel,
                    const uint32_t groups[3], const recur_vk_arg *args) {
  if (context->lostStatus)
    return lostFailure(context);
  const uint32_t *limit = context->properties.limits.maxComputeWorkGroupCount;
  const char *entry = kernel->entry ? kernel->entry : "(NULL)";
  if (groups[0] > limit[0] || groups[1] > limit[1] || groups[2] > limit[2])
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s: %" PRIu32 " x %" PRIu32 " x %" PRIu32
                " workgroups, above the device's maxComputeWorkGroupCount "
                "%" PRIu32 " x %" PRIu32 " x %" PRIu32,
                entry, groups[0], groups[1], groups[2], limit[0], limit[1],
                limit[2]);
  if (kernel->shared_bytes >
      context->properties.limits.maxComputeSharedMemorySize)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s: %" PRIu64 " bytes of shared memory, above the "
                "device's maxComputeSharedMemorySize %" PRIu32,
                entry, kernel->shared_bytes,
                context->properties.limits.maxComputeSharedMemorySize);
  if (!groups[0] || !groups[1] || !groups[2])
    return RECUR_VK_SUCCESS;
  if (kernel->num_args && !args)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s: %u arguments expected, args is NULL", entry,
                kernel->num_args);
  if (!kernel->entry)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "recur_vk_dispatch: the kernel's entry is NULL");

  uint32_t count = kernel->num_args;
  /* More would crash some drivers (lavapipe's limit is 32) instead of
   * failing. */
  uint32_t most =
      context->properties.limits.maxPerStageDescriptorStorageBuffers;
  if (count > most)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "kernel %s: %u buffer arguments, above the device's "
                "maxPerStageDescriptorStorageBuffers %u",
                entry, count, most);
  VkDescriptorBufferInfo *infos = NULL;
  VkWriteDescriptorSet *writes = NULL;
  if (count) {
    infos = calloc(count, sizeof *infos);
    writes = calloc(count, sizeof *writes);
    if (!infos || !writes) {
      free(infos);
      free(writes);
      return fail(RECUR_VK_ERROR_OUT_OF_MEMORY, "out of host memory");
    }
  }
  int status = RECUR_VK_SUCCESS;
  for (uint32_t i = 0; i < count && !status; ++i)
    status = checkArgument(context, kernel, i, &args[i], &infos[i]);
  kernelPipeline *pipeline = NULL;
  if (!status)
    status = findPipeline(context, kernel, &pipeline);
  /* From here on a failure wastes at most a descriptor set and scalar
   * slots, which the next finish reclaims. */
  VkDescriptorSet set = VK_NULL_HANDLE;
  if (!status && count) {
    context->taken = true;
    status = allocateDescriptorSet(context, pipeline, &set);
  }
  for (uint32_t i = 0; i < count && !status; ++i) {
    if (args[i].data || args[i].scalar_bytes) {
      /* A scalar, little-endian, as the device reads it. */
      unsigned char bits[8];
      for (uint32_t b = 0; b < 8; ++b)
        bits[b] = (unsigned char)((uint64_t)args[i].scalar >> (8 * b));
      recur_vk_buffer *chunk;
      status = args[i].data
                   ? storeScalar(context, args[i].data, args[i].size, &chunk,
                                 &infos[i].offset)
                   : storeScalar(context, bits, args[i].scalar_bytes, &chunk,
                                 &infos[i].offset);
      if (!status)
        infos[i].buffer = chunk->buffer;
    }
    writes[i] = (VkWriteDescriptorSet){
        .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
        .dstSet = set,
        .dstBinding = i,
        .descriptorCount = 1,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .pBufferInfo = &infos[i],
    };
  }
  if (!status && count)
    context->vk.UpdateDescriptorSets(context->device, count, writes, 0, NULL);
  free(infos);
  free(writes);
  if (status)
    return status;

  VkCommandBuffer commands = context->commands;
  if (context->dispatches == 0) {
    VkCommandBufferBeginInfo begin = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    VkResult result = context->vk.BeginCommandBuffer(commands, &begin);
    if (result != VK_SUCCESS)
      return vulkanFailure(result, "vkBeginCommandBuffer");
  } else {
    /* This dispatch sees the writes of the ones before it, and does not
     * write what they still read. */
    VkMemoryBarrier barrier = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
    };
    context->vk.CmdPipelineBarrier(
        commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0, NULL, 0, NULL);
  }
  context->vk.CmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                              pipeline->pipeline);
  if (count)
    context->vk.CmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                                      pipeline->layout, 0, 1, &set, 0, NULL);
  context->vk.CmdDispatch(commands, groups[0], groups[1], groups[2]);
  ++context->dispatches;
  return RECUR_VK_SUCCESS;
}

int recur_vk_dispatch(recur_vk_context *context, const recur_vk_kernel *kernel,
                      uint32_t groups_x, uint32_t groups_y, uint32_t groups_z,
                      const recur_vk_arg *args) {
  if (!context || !kernel)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "recur_vk_dispatch: the context or the kernel is NULL");
  const uint32_t groups[3] = {groups_x, groups_y, groups_z};
  pthread_mutex_lock(&context->lock);
  int status = dispatch(context, kernel, groups, args);
  pthread_mutex_unlock(&context->lock);
  return status;
}

/* Ready for the next recording: the command buffer, the descriptor pools
 * and the scalar arena reset, the destroyed buffers freed. */
static void resetRecording(recur_vk_context *context) {
  context->vk.ResetCommandPool(context->device, context->commandPool, 0);
  for (uint32_t i = 0; i < context->poolCount; ++i)
    context->vk.ResetDescriptorPool(context->device, context->pools[i], 0);
  context->poolCurrent = 0;
  context->scalarCurrent = 0;
  context->scalarUsed = 0;
  freeRetiredBuffers(context);
  context->dispatches = 0;
  context->taken = false;
}

/* Submits what was recorded and waits for it. */
static int flush(recur_vk_context *context) {
  if (context->lostStatus)
    return lostFailure(context);
  if (context->dispatches == 0) {
    if (context->taken)
      resetRecording(context);
    return RECUR_VK_SUCCESS;
  }
  VkCommandBuffer commands = context->commands;
  /* The host reads what the kernels wrote once the fence is signaled. */
  VkMemoryBarrier barrier = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
      .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
      .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
  };
  context->vk.CmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                 VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0,
                                 NULL, 0, NULL);
  VkResult result = context->vk.EndCommandBuffer(commands);
  if (result != VK_SUCCESS) {
    int status = vulkanFailure(result, "vkEndCommandBuffer");
    resetRecording(context);
    return status;
  }
  VkSubmitInfo submit = {
      .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
      .commandBufferCount = 1,
      .pCommandBuffers = &commands,
  };
  result = context->vk.QueueSubmit(context->queue, 1, &submit, context->fence);
  if (result != VK_SUCCESS) {
    int status = vulkanFailure(result, "vkQueueSubmit");
    if (result == VK_ERROR_DEVICE_LOST)
      context->lostStatus = status;
    else
      resetRecording(context);
    return status;
  }
  result = context->vk.WaitForFences(context->device, 1, &context->fence,
                                     VK_TRUE, UINT64_MAX);
  if (result != VK_SUCCESS) {
    /* Whether the work still runs is unknown: nothing it uses is freed,
     * and the context is given up. */
    int status = vulkanFailure(result, "vkWaitForFences");
    context->lostStatus = statusOfResult(result) == RECUR_VK_ERROR_DEVICE_LOST
                              ? RECUR_VK_ERROR_DEVICE_LOST
                              : RECUR_VK_ERROR_VULKAN;
    return status;
  }
  result = context->vk.ResetFences(context->device, 1, &context->fence);
  resetRecording(context);
  if (result != VK_SUCCESS) {
    int status = vulkanFailure(result, "vkResetFences");
    context->lostStatus = status;
    return status;
  }
  return RECUR_VK_SUCCESS;
}

int recur_vk_finish(recur_vk_context *context) {
  if (!context)
    return fail(RECUR_VK_ERROR_INVALID_ARGUMENT,
                "recur_vk_finish: the context is NULL");
  pthread_mutex_lock(&context->lock);
  int status = flush(context);
  pthread_mutex_unlock(&context->lock);
  return status;
}
