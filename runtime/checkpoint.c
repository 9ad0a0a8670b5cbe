/*===- checkpoint.c - A checkpoint of one or several safetensors files ---===*
 *
 * See checkpoint.h. The index is read whole (it is small: at most
 * MAX_INDEX_BYTES) and parsed by safetensors.c's strict JSON reader.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "recur/runtime/checkpoint.h"

#include "report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The largest index read: published ones have a few hundred KiB. */
#define MAX_INDEX_BYTES (64u << 20)

struct recur_checkpoint {
  recur_st_index *index; /* NULL for one file */
  recur_st_file **files;
  char **names; /* each file's name, for the index's lookups */
  size_t count;
};


static bool isDirectory(const char *path) {
  struct stat info;
  return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

static bool exists(const char *path) {
  struct stat info;
  return stat(path, &info) == 0;
}

static bool endsWith(const char *text, const char *suffix) {
  size_t n = strlen(text), m = strlen(suffix);
  return n >= m && !strcmp(text + n - m, suffix);
}

/* `directory`/`name`, malloc'ed, or NULL. */
static char *joined(const char *directory, const char *name) {
  size_t n = strlen(directory), m = strlen(name);
  char *path = malloc(n + m + 2);
  if (path)
    snprintf(path, n + m + 2, "%s/%s", directory, name);
  return path;
}

/* Opens `path` as the checkpoint's next file, named `name`. */
static recur_st_status addFile(recur_checkpoint *checkpoint, const char *path,
                               const char *name, char *message, size_t size) {
  recur_st_file **files =
      realloc(checkpoint->files, (checkpoint->count + 1) * sizeof *files);
  if (files)
    checkpoint->files = files;
  char **names =
      realloc(checkpoint->names, (checkpoint->count + 1) * sizeof *names);
  if (names)
    checkpoint->names = names;
  char *copy = malloc(strlen(name) + 1);
  if (!files || !names || !copy) {
    free(copy);
    return recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  }
  strcpy(copy, name);
  char reason[256];
  recur_st_file *file;
  recur_st_status status = recur_st_open(path, &file, reason, sizeof reason);
  if (status) {
    free(copy);
    return recur_report(message, size, status, "%s: %s", path, reason);
  }
  checkpoint->files[checkpoint->count] = file;
  checkpoint->names[checkpoint->count] = copy;
  ++checkpoint->count;
  return RECUR_ST_OK;
}

/* Reads the index at `path` whole. */
static recur_st_status readIndex(const char *path, recur_st_index **index,
                                 char *message, size_t size) {
  FILE *stream = fopen(path, "rb");
  if (!stream)
    return recur_report(message, size, RECUR_ST_IO_ERROR, "%s: cannot open: %s",
                path, strerror(errno));
  char *bytes = malloc(MAX_INDEX_BYTES + 1);
  size_t length = bytes ? fread(bytes, 1, MAX_INDEX_BYTES + 1, stream) : 0;
  bool error = ferror(stream);
  fclose(stream);
  recur_st_status status;
  char reason[256];
  if (!bytes)
    status = recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  else if (error)
    status = recur_report(message, size, RECUR_ST_IO_ERROR, "%s: cannot read", path);
  else if (length > MAX_INDEX_BYTES)
    status = recur_report(message, size, RECUR_ST_BAD_HEADER,
                  "%s: larger than %u bytes (not an index)", path,
                  MAX_INDEX_BYTES);
  else if ((status = recur_st_parse_index(bytes, length, index, reason,
                                          sizeof reason)))
    recur_report(message, size, status, "%s: %s", path, reason);
  free(bytes);
  return status;
}

/* Opens every shard the index names, once each, and checks that each
 * holds its tensors. */
static recur_st_status openShards(recur_checkpoint *checkpoint,
                                  const char *indexPath, char *message,
                                  size_t size) {
  char *directory = malloc(strlen(indexPath) + 2);
  if (!directory)
    return recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  strcpy(directory, indexPath);
  char *slash = strrchr(directory, '/');
  if (slash)
    *slash = '\0';
  else
    strcpy(directory, ".");
  recur_st_status status = RECUR_ST_OK;
  const recur_st_index *index = checkpoint->index;
  for (size_t i = 0; i < recur_st_index_count(index) && !status; ++i) {
    const char *shard = recur_st_index_shard(index, i);
    const recur_st_file *file = NULL;
    for (size_t f = 0; f < checkpoint->count && !file; ++f)
      if (!strcmp(checkpoint->names[f], shard))
        file = checkpoint->files[f];
    if (!file) {
      char *path = joined(directory, shard);
      status = path ? addFile(checkpoint, path, shard, message, size)
                    : recur_report(message, size, RECUR_ST_NO_MEMORY,
                           "out of memory");
      free(path);
      if (status)
        break;
      file = checkpoint->files[checkpoint->count - 1];
    }
    const char *tensor = recur_st_index_tensor(index, i);
    if (!recur_st_find(file, tensor))
      status = recur_report(message, size, RECUR_ST_NOT_FOUND,
                    "%s puts tensor '%s' in %s, which has no such tensor",
                    indexPath, tensor, shard);
  }
  free(directory);
  return status;
}

recur_st_status recur_checkpoint_open(const char *path,
                                      recur_checkpoint **out, char *message,
                                      size_t size) {
  *out = NULL;
  recur_checkpoint *checkpoint = calloc(1, sizeof *checkpoint);
  if (!checkpoint)
    return recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  char *chosen = NULL;
  if (isDirectory(path)) {
    chosen = joined(path, "model.safetensors.index.json");
    if (chosen && !exists(chosen)) {
      free(chosen);
      chosen = joined(path, "model.safetensors");
    }
  } else {
    chosen = malloc(strlen(path) + 1);
    if (chosen)
      strcpy(chosen, path);
  }
  recur_st_status status;
  if (!chosen)
    status = recur_report(message, size, RECUR_ST_NO_MEMORY, "out of memory");
  else if (endsWith(chosen, ".json")) {
    status = readIndex(chosen, &checkpoint->index, message, size);
    if (!status)
      status = openShards(checkpoint, chosen, message, size);
  } else
    status = addFile(checkpoint, chosen, chosen, message, size);
  free(chosen);
  if (status) {
    recur_checkpoint_close(checkpoint);
    return status;
  }
  *out = checkpoint;
  return RECUR_ST_OK;
}

void recur_checkpoint_close(recur_checkpoint *checkpoint) {
  if (!checkpoint)
    return;
  for (size_t i = 0; i < checkpoint->count; ++i) {
    recur_st_close(checkpoint->files[i]);
    free(checkpoint->names[i]);
  }
  free(checkpoint->files);
  free(checkpoint->names);
  recur_st_index_free(checkpoint->index);
  free(checkpoint);
}

const recur_st_file *recur_checkpoint_file(const recur_checkpoint *checkpoint,
                                           const char *name) {
  if (!checkpoint->index)
    return checkpoint->count && recur_st_find(checkpoint->files[0], name)
               ? checkpoint->files[0]
               : NULL;
  const char *shard = recur_st_index_find(checkpoint->index, name);
  for (size_t f = 0; shard && f < checkpoint->count; ++f)
    if (!strcmp(checkpoint->names[f], shard))
      return checkpoint->files[f];
  return NULL;
}

size_t recur_checkpoint_file_count(const recur_checkpoint *checkpoint) {
  return checkpoint->count;
}
