/* For test/Runtime/header_tables.py: prints the function tables of a
 * header written by recur-compile as JSON, in the interface file's terms,
 * so that the test can compare the two.
 *
 *   cc -DHEADER='"model.h"' -DFUNCTIONS='&f_info, &g_info' print_tables.c
 *
 * Also compiles as C++ (the header's tables are C and C++). */

#include HEADER

#include <stdio.h>

static void print_string(const char *text) {
  putchar('"');
  for (const char *c = text; *c; ++c) {
    if (*c == '"' || *c == '\\')
      putchar('\\');
    putchar(*c);
  }
  putchar('"');
}

int main(void) {
  const recur_function_info *functions[] = {FUNCTIONS};
  printf("[");
  for (size_t f = 0; f < sizeof functions / sizeof functions[0]; ++f) {
    const recur_function_info *function = functions[f];
    printf("%s{\"name\": ", f ? ", " : "");
    print_string(function->name);
    printf(", \"dims\": [");
    for (int d = 0; d < function->dim_count; ++d) {
      printf("%s", d ? ", " : "");
      print_string(function->dims[d]);
    }
    printf("], \"buffers\": [");
    for (int i = 0; i < function->buffer_count; ++i) {
      const recur_buffer_info *buffer = &function->buffers[i];
      printf("%s{\"name\": ", i ? ", " : "");
      print_string(buffer->name);
      if (buffer->checkpoint_name) {
        printf(", \"checkpoint_name\": ");
        print_string(buffer->checkpoint_name);
      }
      printf(", \"dtype\": ");
      print_string(buffer->dtype);
      if (buffer->packed_rows)
        printf(", \"packed_rows\": %lld", (long long)buffer->packed_rows);
      printf(", \"output\": %s, \"shape\": [",
             buffer->is_output ? "true" : "false");
      for (int d = 0; d < buffer->rank; ++d) {
        printf("%s", d ? ", " : "");
        if (buffer->shape[d] >= 0)
          printf("%lld", (long long)buffer->shape[d]);
        else
          print_string(function->dims[-1 - buffer->shape[d]]);
      }
      printf("]}");
    }
    printf("], \"callable\": %s}",
           function->call && function->status_message ? "true" : "false");
  }
  printf("]\n");
  return 0;
}
