/* A C program that links two compiled models, a 2-layer Mamba-2 stack and a
 * 2-layer Gated DeltaNet stack (written by `python3 -m recur.models` and
 * compiled by recur-compile), loads their weights from safetensors files,
 * runs a prefill and then decode steps, and checks every output against
 * the float64 NumPy reference.
 *
 *   linked_models <dir> <B> <T> <steps> <repetitions>
 *
 * For each model M, <dir>/M/weights.safetensors holds its weights under
 * their checkpoint names, and <dir>/M/check.safetensors holds the input
 * `hidden_states` [B, T + steps, d], the reference's output `out` for all
 * T + steps tokens, and its final states (by the states' names), from zero
 * initial states. The program prefills the first T tokens (timed over
 * <repetitions> runs from zero states; median), then feeds the next
 * `steps` tokens one at a time to the step function (each step timed),
 * passing each call's final states to the next call, and compares.
 *
 * It names no weight and no state: the headers' tables (M_info) list the
 * buffers, recur_load_weights (runtime/include/recur/runtime/model.h)
 * reads every weight the function expects, checked by name, shape and
 * dtype, and M_info.call takes the buffers in an array. A state is an
 * input without a checkpoint name other than hidden_states; its final
 * value is the output of the same name with "_out". Exit status: 0 when
 * everything matches, 1 otherwise. */

#define _POSIX_C_SOURCE 199309L /* clock_gettime */

#include "gated_deltanet_stack.h"
#include "mamba2_stack.h"

#include "recur/runtime/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_BUFFERS = 256, MAX_STATES = 64 };

typedef struct {
  const char *family;
  const recur_function_info *prefill;
  const recur_function_info *step;
} Model;

static const Model models[] = {
    {"mamba2", &mamba2_stack_info, &mamba2_stack_step_info},
    {"gated_deltanet", &gated_deltanet_stack_info,
     &gated_deltanet_stack_step_info},
};

/* Sizes of the run and the state buffers of one model (named after the
 * prefill function's buffers; the step function has the same names). */
typedef struct {
  int64_t batch, time, steps, width;
  int count;
  const char *names[MAX_STATES];
  int64_t elements[MAX_STATES];
  float *state[MAX_STATES], *next[MAX_STATES];
} Run;

static void die(const char *format, const char *what, const char *detail) {
  fprintf(stderr, "linked_models: ");
  fprintf(stderr, format, what, detail);
  fputc('\n', stderr);
  exit(1);
}

/* Zeroed memory for `elements` of `size` bytes, or exit. */
static void *allocate_of(int64_t elements, size_t size) {
  void *data = calloc(elements > 0 ? (size_t)elements : 1, size);
  if (!data)
    die("%s%s", "out of memory", "");
  return data;
}

static void *allocate(int64_t elements) {
  return allocate_of(elements, sizeof(float));
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values, int count) {
  qsort(values, count, sizeof(double), compare_doubles);
  return values[count / 2];
}

static int find(const recur_function_info *function, const char *name) {
  int index = recur_find_buffer(function, name);
  if (index < 0)
    die("%s has no buffer '%s'", function->name, name);
  return index;
}

/* Finds the states (and checks that every other buffer is f32). */
static void find_states(const recur_function_info *function, Run *run) {
  run->count = 0;
  for (int i = 0; i < function->buffer_count; ++i) {
    const recur_buffer_info *buffer = &function->buffers[i];
    if (strcmp(buffer->dtype, "f32") != 0)
      die("buffer '%s' is %s; this program passes f32", buffer->name,
          buffer->dtype);
    if (buffer->is_output || buffer->checkpoint_name ||
        strcmp(buffer->name, "hidden_states") == 0)
      continue;
    if (run->count == MAX_STATES)
      die("%s has too many states%s", function->name, "");
    int64_t dims[2] = {run->batch, run->time};
    run->names[run->count] = buffer->name;
    run->elements[run->count] = recur_buffer_elements(buffer, dims);
    ++run->count;
  }
}

/* Calls `function` on `tokens` [B, tokens, d] with the run's states,
 * writing `out` and the states' next values; returns the seconds taken. */
static double call(const recur_function_info *function, void **weights,
                   Run *run, int64_t tokens, const float *input, float *out) {
  void *buffers[MAX_BUFFERS];
  if (function->buffer_count > MAX_BUFFERS)
    die("%s has too many buffers%s", function->name, "");
  memcpy(buffers, weights, sizeof(void *) * function->buffer_count);
  buffers[find(function, "hidden_states")] = (void *)input;
  buffers[find(function, "out")] = out;
  for (int s = 0; s < run->count; ++s) {
    char name[512];
    snprintf(name, sizeof name, "%s_out", run->names[s]);
    buffers[find(function, run->names[s])] = run->state[s];
    buffers[find(function, name)] = run->next[s];
  }
  int64_t dims[2] = {run->batch, tokens};
  double start = now_seconds();
  int status = function->call(dims, buffers);
  double seconds = now_seconds() - start;
  if (status != 0)
    die("%s", function->status_message(status), "");
  return seconds;
}

static void swap_states(Run *run) {
  for (int s = 0; s < run->count; ++s) {
    float *held = run->state[s];
    run->state[s] = run->next[s];
    run->next[s] = held;
  }
}

static recur_st_file *open_file(const char *dir, const char *family,
                                const char *leaf) {
  char path[4096], message[512];
  snprintf(path, sizeof path, "%s/%s/%s", dir, family, leaf);
  recur_st_file *file;
  if (recur_st_open(path, &file, message, sizeof message) != RECUR_ST_OK)
    die("%s: %s", path, message);
  return file;
}

static float *read_tensor(const recur_st_file *file, const char *name,
                          int rank, const int64_t *shape, int64_t elements) {
  char message[512];
  float *data = allocate(elements);
  if (recur_st_read_f32(file, name, rank, shape, data, message,
                        sizeof message) != RECUR_ST_OK)
    die("check data: %s%s", message, "");
  return data;
}

/* Worst |got - want| / (1e-4 (|want| + rms(want))): at most 1 passes (the
 * f32 tolerance of the Python tests, python/recur/testing.py). */
static double worst_error(const float *got, const float *want,
                          int64_t count) {
  double squares = 0.0, worst = 0.0;
  for (int64_t i = 0; i < count; ++i)
    squares += (double)want[i] * want[i];
  double typical = count ? sqrt(squares / count) : 0.0;
  for (int64_t i = 0; i < count; ++i) {
    double bound = 1e-4 * (fabs(want[i]) + typical) + 1e-30;
    double error = fabs((double)got[i] - want[i]) / bound;
    if (!(error <= worst)) /* NaN counts as the worst */
      worst = isnan(error) ? INFINITY : error;
  }
  return worst;
}

static int run_model(const Model *model, const char *dir, Run *run,
                     int repetitions) {
  char message[512];
  recur_st_file *weights_file = open_file(dir, model->family,
                                          "weights.safetensors");
  void *weights[MAX_BUFFERS] = {0}, *step_weights[MAX_BUFFERS] = {0};
  if (recur_load_weights(weights_file, model->prefill, weights, message,
                         sizeof message) != RECUR_ST_OK)
    die("%s: %s", model->family, message);
  recur_st_close(weights_file);
  /* The step function reads the same weights. */
  for (int i = 0; i < model->step->buffer_count; ++i)
    if (model->step->buffers[i].checkpoint_name)
      step_weights[i] = weights[find(model->prefill,
                                     model->step->buffers[i].name)];

  int out_index = find(model->prefill, "out");
  const int64_t *out_shape = model->prefill->buffers[out_index].shape;
  run->width = out_shape[2];
  int64_t total = run->time + run->steps;
  int64_t row = run->width, tokens_shape[3] = {run->batch, total, row};
  recur_st_file *check_file = open_file(dir, model->family,
                                        "check.safetensors");
  float *input = read_tensor(check_file, "hidden_states", 3, tokens_shape,
                             run->batch * total * row);
  float *want = read_tensor(check_file, "out", 3, tokens_shape,
                            run->batch * total * row);

  find_states(model->prefill, run);
  for (int s = 0; s < run->count; ++s) {
    run->state[s] = allocate(run->elements[s]);
    run->next[s] = allocate(run->elements[s]);
  }
  /* Inputs and outputs per call: [B, tokens, d], tokens contiguous. */
  float *prefill_in = allocate(run->batch * run->time * row);
  float *prefill_out = allocate(run->batch * run->time * row);
  float *step_in = allocate(run->batch * row);
  float *step_out = allocate(run->batch * row);
  float *got = allocate(run->batch * total * row);
  for (int64_t b = 0; b < run->batch; ++b)
    memcpy(prefill_in + b * run->time * row, input + b * total * row,
           sizeof(float) * run->time * row);

  double *times = allocate_of(
      repetitions > run->steps ? repetitions : run->steps + 1,
      sizeof(double));
  for (int r = 0; r < repetitions; ++r) {
    for (int s = 0; s < run->count; ++s)
      memset(run->state[s], 0, sizeof(float) * run->elements[s]);
    times[r] = call(model->prefill, weights, run, run->time, prefill_in,
                    prefill_out);
  }
  double prefill_seconds = median(times, repetitions);
  swap_states(run);
  for (int64_t b = 0; b < run->batch; ++b)
    memcpy(got + b * total * row, prefill_out + b * run->time * row,
           sizeof(float) * run->time * row);

  for (int64_t t = 0; t < run->steps; ++t) {
    for (int64_t b = 0; b < run->batch; ++b)
      memcpy(step_in + b * row, input + (b * total + run->time + t) * row,
             sizeof(float) * row);
    times[t] = call(model->step, step_weights, run, 1, step_in, step_out);
    swap_states(run);
    for (int64_t b = 0; b < run->batch; ++b)
      memcpy(got + (b * total + run->time + t) * row, step_out + b * row,
             sizeof(float) * row);
  }
  double step_seconds = run->steps ? median(times, (int)run->steps) : 0.0;

  double worst = worst_error(got, want, run->batch * total * row);
  printf("%s (%s, %s): B = %lld, d = %lld\n", model->family,
         model->prefill->name, model->step->name, (long long)run->batch,
         (long long)row);
  printf("  prefill  T = %-5lld %10.1f us per call, %8.2f us per token\n",
         (long long)run->time, 1e6 * prefill_seconds,
         1e6 * prefill_seconds / (double)(run->batch * run->time));
  printf("  decode   %lld steps %9.1f us per step,  %8.2f us per token\n",
         (long long)run->steps, 1e6 * step_seconds,
         1e6 * step_seconds / (double)run->batch);
  printf("  out: worst error %.3f x the f32 tolerance\n", worst);
  int failed = !(worst <= 1.0);
  for (int s = 0; s < run->count; ++s) {
    int index = find(model->prefill, run->names[s]);
    const recur_buffer_info *buffer = &model->prefill->buffers[index];
    int64_t shape[RECUR_ST_MAX_RANK];
    for (int d = 0; d < buffer->rank && d < RECUR_ST_MAX_RANK; ++d)
      shape[d] = buffer->shape[d] == -1 ? run->batch : buffer->shape[d];
    float *final = read_tensor(check_file, run->names[s], buffer->rank,
                               shape, run->elements[s]);
    double error = worst_error(run->state[s], final, run->elements[s]);
    printf("  %s: worst error %.3f x the f32 tolerance\n", run->names[s],
           error);
    failed |= !(error <= 1.0);
    free(final);
  }
  printf("  %s\n", failed ? "MISMATCH against the NumPy reference"
                          : "matches the NumPy float64 reference");

  recur_st_close(check_file);
  recur_free_weights(model->prefill, weights);
  for (int s = 0; s < run->count; ++s) {
    free(run->state[s]);
    free(run->next[s]);
  }
  free(times);
  free(input);
  free(want);
  free(got);
  free(prefill_in);
  free(prefill_out);
  free(step_in);
  free(step_out);
  return failed;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr,
            "usage: linked_models <dir> <B> <T> <steps> <repetitions>\n");
    return 1;
  }
  Run run = {0};
  run.batch = atoll(argv[2]);
  run.time = atoll(argv[3]);
  run.steps = atoll(argv[4]);
  int repetitions = atoi(argv[5]);
  if (run.batch < 1 || run.time < 1 || run.steps < 0 || repetitions < 1) {
    fprintf(stderr, "linked_models: B, T and repetitions must be >= 1, "
                    "steps >= 0\n");
    return 1;
  }
  int failed = 0;
  for (size_t m = 0; m < sizeof models / sizeof models[0]; ++m)
    failed |= run_model(&models[m], argv[1], &run, repetitions);
  return failed;
}
