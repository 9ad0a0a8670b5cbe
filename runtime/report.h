/*===- report.h - The runtime's failure messages (internal) --------------===*
 *
 * Not installed: shared by the runtime's C files that report a status with
 * a one-line message into a caller's buffer.
 *
 *===----------------------------------------------------------------------===*/

#ifndef RECUR_RUNTIME_REPORT_H
#define RECUR_RUNTIME_REPORT_H

#include "recur/runtime/safetensors.h"

#include <stdarg.h>
#include <stdio.h>

/* Writes the printf-style message to `message` (at most `size` bytes,
 * NUL-terminated; nothing when it is NULL) and returns `status`. */
static inline recur_st_status recur_report(char *message, size_t size,
                                           recur_st_status status,
                                           const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static inline recur_st_status recur_report(char *message, size_t size,
                                           recur_st_status status,
                                           const char *format, ...) {
  if (message && size) {
    va_list args;
    va_start(args, format);
    vsnprintf(message, size, format, args);
    va_end(args);
  }
  return status;
}

#endif /* RECUR_RUNTIME_REPORT_H */
