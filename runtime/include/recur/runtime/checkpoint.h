/*===- checkpoint.h - A checkpoint of one or several safetensors files ---===*
 *
 * Part of recur's runtime library. A checkpoint as Hugging Face ships it:
 * one model.safetensors, or shards named by model.safetensors.index.json
 * ({"weight_map": {tensor: shard file}}), every shard beside the index.
 * Opening validates the index, opens (maps) and validates every shard it
 * names, and checks that each shard holds the tensors the index puts in it;
 * recur_load_checkpoint (model.h) then reads a model's weights from it.
 *
 *===----------------------------------------------------------------------===*/

#ifndef RECUR_RUNTIME_CHECKPOINT_H
#define RECUR_RUNTIME_CHECKPOINT_H

#include "recur/runtime/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct recur_checkpoint recur_checkpoint;

/* Opens the checkpoint at `path`: a directory (its
 * model.safetensors.index.json, else its model.safetensors), an index file
 * (a name ending in ".json") or one .safetensors file. On failure
 * `*checkpoint` is NULL and `message` names the file at fault. */
recur_st_status recur_checkpoint_open(const char *path,
                                      recur_checkpoint **checkpoint,
                                      char *message, size_t size);

/* Closes every file; NULL is ignored. */
void recur_checkpoint_close(recur_checkpoint *checkpoint);

/* The file that holds the tensor `name` (its shard), or NULL. */
const recur_st_file *recur_checkpoint_file(const recur_checkpoint *checkpoint,
                                           const char *name);

/* The number of files (shards) it opened. */
size_t recur_checkpoint_file_count(const recur_checkpoint *checkpoint);

#ifdef __cplusplus
}
#endif

#endif /* RECUR_RUNTIME_CHECKPOINT_H */
