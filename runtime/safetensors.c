/*===- safetensors.c - Reading checkpoints in the safetensors format -------===*
 *
 * A strict reader: the header's JSON is parsed by a small recursive-descent
 * parser that accepts only the format's shape (an object of tensor entries
 * and an optional "__metadata__" object of strings), every size is checked
 * for overflow, and the data layout is validated as a whole before any
 * tensor is handed out. See safetensors.h.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* qsort_r */

#include "recur/runtime/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The largest header accepted (the format's own limit). */
#define MAX_HEADER_BYTES 100000000ull

struct recur_st_file {
  recur_st_tensor *tensors; /* sorted by data offset */
  size_t count;
  char *names; /* all names, NUL-terminated, back to back */
  void *mapping;
  size_t mappingLength;
};

/*===-- Messages ----------------------------------------------------------===*/

typedef struct {
  char *message;
  size_t size;
} Report;

static recur_st_status fail(Report *report, recur_st_status status,
                            const char *format, ...) {
  if (report->message && report->size) {
    va_list args;
    va_start(args, format);
    vsnprintf(report->message, report->size, format, args);
    va_end(args);
  }
  return status;
}

/* A name as it may appear in a one-line message: control characters become
 * '?', and a long name is cut between characters (names are valid UTF-8). */
static const char *shown(const char *name, char *buffer, size_t size) {
  size_t i = 0;
  while (name[i]) {
    unsigned char lead = (unsigned char)name[i];
    size_t n = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    if (i + n >= size)
      break;
    for (size_t k = 0; k < n; ++k)
      buffer[i + k] = lead < 0x20 ? '?' : name[i + k];
    i += n;
  }
  buffer[i] = '\0';
  return buffer;
}

/*===-- dtypes ------------------------------------------------------------===*/

static const struct {
  const char *name;
  recur_st_dtype dtype;
  unsigned bytes;
} kDtypes[] = {
    {"BOOL", RECUR_ST_BOOL, 1},       {"U8", RECUR_ST_U8, 1},
    {"I8", RECUR_ST_I8, 1},           {"F8_E4M3", RECUR_ST_F8_E4M3, 1},
    {"F8_E5M2", RECUR_ST_F8_E5M2, 1}, {"U16", RECUR_ST_U16, 2},
    {"I16", RECUR_ST_I16, 2},         {"F16", RECUR_ST_F16, 2},
    {"BF16", RECUR_ST_BF16, 2},       {"U32", RECUR_ST_U32, 4},
    {"I32", RECUR_ST_I32, 4},         {"F32", RECUR_ST_F32, 4},
    {"U64", RECUR_ST_U64, 8},         {"I64", RECUR_ST_I64, 8},
    {"F64", RECUR_ST_F64, 8},
};
#define DTYPE_COUNT (sizeof(kDtypes) / sizeof(kDtypes[0]))

const char *recur_st_dtype_name(recur_st_dtype dtype) {
  for (size_t i = 0; i < DTYPE_COUNT; ++i)
    if (kDtypes[i].dtype == dtype)
      return kDtypes[i].name;
  return "?";
}

static unsigned dtypeBytes(recur_st_dtype dtype) {
  for (size_t i = 0; i < DTYPE_COUNT; ++i)
    if (kDtypes[i].dtype == dtype)
      return kDtypes[i].bytes;
  return 0;
}

const char *recur_st_status_name(recur_st_status status) {
  switch (status) {
  case RECUR_ST_OK:
    return "OK";
  case RECUR_ST_IO_ERROR:
    return "IO_ERROR";
  case RECUR_ST_TRUNCATED:
    return "TRUNCATED";
  case RECUR_ST_BAD_HEADER:
    return "BAD_HEADER";
  case RECUR_ST_BAD_TENSOR:
    return "BAD_TENSOR";
  case RECUR_ST_NOT_FOUND:
    return "NOT_FOUND";
  case RECUR_ST_MISMATCH:
    return "MISMATCH";
  case RECUR_ST_NO_MEMORY:
    return "NO_MEMORY";
  }
  return "?";
}

/*===-- The header's JSON -------------------------------------------------===*/

/* One tensor entry as parsed, before validation. */
typedef struct {
  size_t nameOffset; /* into the parser's name buffer */
  size_t nameLength;
  recur_st_dtype dtype;
  int rank;
  int64_t shape[RECUR_ST_MAX_RANK];
  uint64_t begin, end;
} Entry;

typedef struct {
  const char *start, *at, *end; /* the header's bytes */
  const char *what;             /* what they are, for messages: "header" */
  Report *report;
  char *names; /* decoded names, NUL-terminated */
  size_t namesLength, namesCapacity;
  Entry *entries;
  size_t count, capacity;
} Parser;

static size_t position(const Parser *p) { return (size_t)(p->at - p->start); }

static recur_st_status syntax(Parser *p, const char *expected) {
  if (p->at >= p->end)
    return fail(p->report, RECUR_ST_BAD_HEADER,
                "%s: expected %s, found the end of the %s", p->what, expected,
                p->what);
  unsigned char c = (unsigned char)*p->at;
  if (c >= 0x20 && c < 0x7f)
    return fail(p->report, RECUR_ST_BAD_HEADER,
                "%s byte %zu: expected %s, found '%c'", p->what, position(p),
                expected, c);
  return fail(p->report, RECUR_ST_BAD_HEADER,
              "%s byte %zu: expected %s, found byte 0x%02x", p->what, position(p),
              expected, c);
}

static void skipSpace(Parser *p) {
  while (p->at < p->end &&
         (*p->at == ' ' || *p->at == '\t' || *p->at == '\n' || *p->at == '\r'))
    ++p->at;
}

/* Only spaces after the document's object. */
static recur_st_status atEnd(Parser *p) {
  skipSpace(p);
  if (p->at == p->end)
    return RECUR_ST_OK;
  char expected[64];
  snprintf(expected, sizeof expected,
           "nothing after the %s's object but spaces", p->what);
  return syntax(p, expected);
}

static bool take(Parser *p, char c) {
  skipSpace(p);
  if (p->at < p->end && *p->at == c) {
    ++p->at;
    return true;
  }
  return false;
}

static recur_st_status appendName(Parser *p, const char *bytes, size_t n) {
  if (p->namesCapacity - p->namesLength < n) {
    size_t capacity = p->namesCapacity ? p->namesCapacity : 256;
    while (capacity - p->namesLength < n) {
      if (capacity > SIZE_MAX / 2)
        return fail(p->report, RECUR_ST_NO_MEMORY, "out of memory");
      capacity *= 2;
    }
    char *names = realloc(p->names, capacity);
    if (!names)
      return fail(p->report, RECUR_ST_NO_MEMORY, "out of memory");
    p->names = names;
    p->namesCapacity = capacity;
  }
  memcpy(p->names + p->namesLength, bytes, n);
  p->namesLength += n;
  return RECUR_ST_OK;
}

static int hexDigit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits at p->at, or -1. */
static long hex4(Parser *p) {
  if (p->end - p->at < 4)
    return -1;
  long value = 0;
  for (int i = 0; i < 4; ++i) {
    int digit = hexDigit(p->at[i]);
    if (digit < 0)
      return -1;
    value = value * 16 + digit;
  }
  p->at += 4;
  return value;
}

/* The length of the well-formed UTF-8 sequence at p->at (no overlong
 * form, no surrogate, at most U+10FFFF), or 0. */
static size_t utf8Length(const Parser *p) {
  const unsigned char *at = (const unsigned char *)p->at;
  size_t left = (size_t)(p->end - p->at);
  unsigned char lead = at[0];
  size_t n;
  uint32_t code, least;
  if (lead >= 0xc2 && lead <= 0xdf) {
    n = 2, code = lead & 0x1f, least = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3, code = lead & 0x0f, least = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4, code = lead & 0x07, least = 0x10000;
  } else {
    return 0;
  }
  if (left < n)
    return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((at[i] & 0xc0) != 0x80)
      return 0;
    code = (code << 6) | (at[i] & 0x3f);
  }
  if (code < least || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
    return 0;
  return n;
}

/* A JSON string, decoded (UTF-8) and NUL-terminated at the end of the name
 * buffer; `*offset` is where it starts. A NUL character is refused: the
 * names are C strings. */
static recur_st_status parseString(Parser *p, size_t *offset,
                                   size_t *length) {
  skipSpace(p);
  if (p->at >= p->end || *p->at != '"')
    return syntax(p, "a string");
  ++p->at;
  *offset = p->namesLength;
  recur_st_status status;
  for (;;) {
    if (p->at >= p->end)
      return fail(p->report, RECUR_ST_BAD_HEADER,
                  "%s: a string is not terminated", p->what);
    unsigned char c = (unsigned char)*p->at;
    if (c == '"') {
      ++p->at;
      break;
    }
    if (c < 0x20)
      return fail(p->report, RECUR_ST_BAD_HEADER,
                  "%s byte %zu: control character 0x%02x in a string", p->what,
                  position(p), c);
    if (c >= 0x80) {
      size_t n = utf8Length(p);
      if (!n)
        return fail(p->report, RECUR_ST_BAD_HEADER,
                    "%s byte %zu: invalid UTF-8 in a string", p->what, position(p));
      if ((status = appendName(p, p->at, n)))
        return status;
      p->at += n;
      continue;
    }
    if (c != '\\') {
      if ((status = appendName(p, p->at, 1)))
        return status;
      ++p->at;
      continue;
    }
    size_t escape = position(p);
    ++p->at;
    if (p->at >= p->end)
      return fail(p->report, RECUR_ST_BAD_HEADER,
                  "%s: a string is not terminated", p->what);
    char e = *p->at++;
    const char *simple = NULL;
    switch (e) {
    case '"':
      simple = "\"";
      break;
    case '\\':
      simple = "\\";
      break;
    case '/':
      simple = "/";
      break;
    case 'b':
      simple = "\b";
      break;
    case 'f':
      simple = "\f";
      break;
    case 'n':
      simple = "\n";
      break;
    case 'r':
      simple = "\r";
      break;
    case 't':
      simple = "\t";
      break;
    case 'u':
      break;
    default:
      return fail(p->report, RECUR_ST_BAD_HEADER,
                  "%s byte %zu: invalid escape in a string", p->what, escape);
    }
    if (simple) {
      if ((status = appendName(p, simple, 1)))
        return status;
      continue;
    }
    long code = hex4(p);
    if (code >= 0xd800 && code <= 0xdbff) { /* a surrogate pair */
      long low = -1;
      if (p->end - p->at >= 2 && p->at[0] == '\\' && p->at[1] == 'u') {
        p->at += 2;
        low = hex4(p);
      }
      if (low < 0xdc00 || low > 0xdfff)
        code = -1;
      else
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      code = -1;
    }
    if (code <= 0)
      return fail(p->report, RECUR_ST_BAD_HEADER,
                  "%s byte %zu: invalid \\u escape in a string (a NUL "
                  "character, a lone surrogate or bad hex digits)", p->what,
                  escape);
    char utf8[4];
    size_t n;
    if (code < 0x80) {
      utf8[0] = (char)code;
      n = 1;
    } else if (code < 0x800) {
      utf8[0] = (char)(0xc0 | (code >> 6));
      utf8[1] = (char)(0x80 | (code & 0x3f));
      n = 2;
    } else if (code < 0x10000) {
      utf8[0] = (char)(0xe0 | (code >> 12));
      utf8[1] = (char)(0x80 | ((code >> 6) & 0x3f));
      utf8[2] = (char)(0x80 | (code & 0x3f));
      n = 3;
    } else {
      utf8[0] = (char)(0xf0 | (code >> 18));
      utf8[1] = (char)(0x80 | ((code >> 12) & 0x3f));
      utf8[2] = (char)(0x80 | ((code >> 6) & 0x3f));
      utf8[3] = (char)(0x80 | (code & 0x3f));
      n = 4;
    }
    if ((status = appendName(p, utf8, n)))
      return status;
  }
  *length = p->namesLength - *offset;
  return appendName(p, "", 1);
}

/* The decoded string at `offset` (valid until the next append). */
static const char *nameAt(const Parser *p, size_t offset) {
  return p->names + offset;
}

/* A key and the ':' after it; its decoded name at `*offset`. */
static recur_st_status parseKey(Parser *p, size_t *offset,
                                const char *after) {
  size_t length;
  recur_st_status status = parseString(p, offset, &length);
  if (status)
    return status;
  return take(p, ':') ? RECUR_ST_OK : syntax(p, after);
}

/* A non-negative integer without sign, fraction or exponent, at most
 * `limit`. */
static recur_st_status parseCount(Parser *p, uint64_t limit, uint64_t *value,
                                  const char *what) {
  skipSpace(p);
  size_t at = position(p);
  if (p->at >= p->end || *p->at < '0' || *p->at > '9')
    return syntax(p, what);
  if (*p->at == '0' && p->end - p->at > 1 && p->at[1] >= '0' &&
      p->at[1] <= '9')
    return fail(p->report, RECUR_ST_BAD_HEADER,
                "%s byte %zu: a number with a leading zero", p->what, at);
  uint64_t result = 0;
  while (p->at < p->end && *p->at >= '0' && *p->at <= '9') {
    unsigned digit = (unsigned)(*p->at - '0');
    if (result > (limit - digit) / 10)
      return fail(p->report, RECUR_ST_BAD_HEADER,
                  "%s byte %zu: %s is too large", p->what, at, what);
    result = result * 10 + digit;
    ++p->at;
  }
  if (p->at < p->end && (*p->at == '.' || *p->at == 'e' || *p->at == 'E'))
    return fail(p->report, RECUR_ST_BAD_HEADER,
                "%s byte %zu: %s must be a whole number", p->what, at, what);
  *value = result;
  return RECUR_ST_OK;
}

/* "__metadata__": an object of string values. */
static recur_st_status parseMetadata(Parser *p) {
  recur_st_status status;
  if (!take(p, '{'))
    return syntax(p, "'{' to open \"__metadata__\"");
  if (take(p, '}'))
    return RECUR_ST_OK;
  do {
    size_t saved = p->namesLength, offset, length;
    if ((status = parseString(p, &offset, &length)))
      return status;
    if (!take(p, ':'))
      return syntax(p, "':' after a key");
    if ((status = parseString(p, &offset, &length)))
      return status;
    p->namesLength = saved; /* metadata is checked, not kept */
  } while (take(p, ','));
  if (!take(p, '}'))
    return syntax(p, "',' or '}' in \"__metadata__\"");
  return RECUR_ST_OK;
}

/* A tensor entry: {"dtype": ..., "shape": [...], "data_offsets": [b, e]},
 * each key exactly once, no other key. */
static recur_st_status parseEntry(Parser *p, Entry *entry, const char *name) {
  recur_st_status status;
  if (!take(p, '{'))
    return syntax(p, "'{' to open a tensor entry");
  bool seenDtype = false, seenShape = false, seenOffsets = false;
  do {
    size_t saved = p->namesLength, offset, length;
    if ((status = parseString(p, &offset, &length)))
      return status;
    char key[16];
    snprintf(key, sizeof key, "%s", nameAt(p, offset));
    bool keyFits = length < sizeof key;
    p->namesLength = saved;
    if (!take(p, ':'))
      return syntax(p, "':' after a key");
    bool *seen = NULL;
    if (keyFits && !strcmp(key, "dtype"))
      seen = &seenDtype;
    else if (keyFits && !strcmp(key, "shape"))
      seen = &seenShape;
    else if (keyFits && !strcmp(key, "data_offsets"))
      seen = &seenOffsets;
    else
      return fail(p->report, RECUR_ST_BAD_HEADER,
                  "tensor '%s': unknown key (expected dtype, shape and "
                  "data_offsets)",
                  name);
    if (*seen)
      return fail(p->report, RECUR_ST_BAD_HEADER,
                  "tensor '%s': key \"%s\" given twice", name, key);
    *seen = true;

    if (seen == &seenDtype) {
      size_t dtypeAt = position(p);
      if ((status = parseString(p, &offset, &length)))
        return status;
      const char *dtype = nameAt(p, offset);
      size_t i = 0;
      while (i < DTYPE_COUNT && strcmp(kDtypes[i].name, dtype))
        ++i;
      char shownDtype[32];
      if (i == DTYPE_COUNT)
        return fail(p->report, RECUR_ST_BAD_TENSOR,
                    "tensor '%s' (header byte %zu): unknown dtype \"%s\"",
                    name, dtypeAt, shown(dtype, shownDtype, sizeof shownDtype));
      entry->dtype = kDtypes[i].dtype;
      p->namesLength = saved;
    } else if (seen == &seenShape) {
      if (!take(p, '['))
        return syntax(p, "'[' to open a shape");
      entry->rank = 0;
      if (!take(p, ']')) {
        do {
          if (entry->rank == RECUR_ST_MAX_RANK)
            return fail(p->report, RECUR_ST_BAD_TENSOR,
                        "tensor '%s': more than %d dimensions", name,
                        RECUR_ST_MAX_RANK);
          uint64_t dim;
          if ((status = parseCount(p, INT64_MAX, &dim, "a dimension")))
            return status;
          entry->shape[entry->rank++] = (int64_t)dim;
        } while (take(p, ','));
        if (!take(p, ']'))
          return syntax(p, "',' or ']' in a shape");
      }
    } else {
      if (!take(p, '['))
        return syntax(p, "'[' to open data_offsets");
      if ((status = parseCount(p, UINT64_MAX, &entry->begin, "an offset")))
        return status;
      if (!take(p, ','))
        return syntax(p, "',' between the two data_offsets");
      if ((status = parseCount(p, UINT64_MAX, &entry->end, "an offset")))
        return status;
      if (!take(p, ']'))
        return syntax(p, "']' after the two data_offsets");
    }
  } while (take(p, ','));
  if (!take(p, '}'))
    return syntax(p, "',' or '}' in a tensor entry");
  if (!seenDtype || !seenShape || !seenOffsets)
    return fail(p->report, RECUR_ST_BAD_HEADER, "tensor '%s': no \"%s\" key",
                name,
                !seenDtype ? "dtype" : !seenShape ? "shape" : "data_offsets");
  return RECUR_ST_OK;
}

static recur_st_status parseHeader(Parser *p) {
  recur_st_status status;
  if (!take(p, '{'))
    return syntax(p, "'{' to open the header");
  bool seenMetadata = false;
  if (!take(p, '}')) {
    do {
      size_t offset, length;
      if ((status = parseKey(p, &offset, "':' after a key")))
        return status;
      length = strlen(nameAt(p, offset));
      if (!strcmp(nameAt(p, offset), "__metadata__")) {
        if (seenMetadata)
          return fail(p->report, RECUR_ST_BAD_HEADER,
                      "header: \"__metadata__\" given twice");
        seenMetadata = true;
        p->namesLength = offset;
        if ((status = parseMetadata(p)))
          return status;
        continue;
      }
      if (p->count == p->capacity) {
        size_t capacity = p->capacity ? 2 * p->capacity : 64;
        Entry *entries =
            capacity > SIZE_MAX / sizeof(Entry)
                ? NULL
                : realloc(p->entries, capacity * sizeof(Entry));
        if (!entries)
          return fail(p->report, RECUR_ST_NO_MEMORY, "out of memory");
        p->entries = entries;
        p->capacity = capacity;
      }
      Entry *entry = &p->entries[p->count++];
      memset(entry, 0, sizeof *entry);
      entry->nameOffset = offset;
      entry->nameLength = length;
      /* The name is copied for the messages: the buffer may move. */
      char name[128];
      shown(nameAt(p, offset), name, sizeof name);
      if ((status = parseEntry(p, entry, name)))
        return status;
    } while (take(p, ','));
    if (!take(p, '}'))
      return syntax(p, "',' or '}' in the header");
  }
  return atEnd(p);
}

/*===-- The index of a sharded checkpoint ---------------------------------===*/

struct recur_st_index {
  char *names;     /* the tensors' and shards' names, NUL-terminated */
  size_t *offsets; /* per entry: its tensor's, then its shard's name */
  size_t count;
};

/* Any JSON value (the index's "metadata"), checked and skipped; objects
 * and arrays nest at most 64 deep. */
static recur_st_status skipValue(Parser *p, int depth) {
  recur_st_status status;
  skipSpace(p);
  if (depth > 64)
    return fail(p->report, RECUR_ST_BAD_HEADER,
                "%s byte %zu: values nested too deeply", p->what, position(p));
  if (p->at < p->end && *p->at == '"') {
    size_t saved = p->namesLength, offset, length;
    status = parseString(p, &offset, &length);
    p->namesLength = saved;
    return status;
  }
  bool object = take(p, '{');
  if (object || take(p, '[')) {
    char close = object ? '}' : ']';
    if (take(p, close))
      return RECUR_ST_OK;
    do {
      if (object) {
        size_t saved = p->namesLength, offset;
        if ((status = parseKey(p, &offset, "':' after a key")))
          return status;
        p->namesLength = saved;
      }
      if ((status = skipValue(p, depth + 1)))
        return status;
    } while (take(p, ','));
    if (!take(p, close))
      return syntax(p, object ? "',' or '}'" : "',' or ']'");
    return RECUR_ST_OK;
  }
  /* A number or a literal: the characters they are made of. */
  const char *first = p->at;
  while (p->at < p->end && strchr("+-.0123456789eEtrufalsn", *p->at))
    ++p->at;
  if (p->at == first)
    return syntax(p, "a value");
  return RECUR_ST_OK;
}

/* {"metadata": any, "weight_map": {tensor: shard file name}}, in any
 * order, "weight_map" required. */
static recur_st_status parseIndex(Parser *p, size_t **offsets,
                                  size_t *count) {
  recur_st_status status;
  size_t capacity = 0;
  bool seenMap = false;
  if (!take(p, '{'))
    return syntax(p, "'{' to open the index");
  if (!take(p, '}')) {
    do {
      size_t offset, length;
      if ((status = parseKey(p, &offset, "':' after a key")))
        return status;
      bool isMap = !strcmp(nameAt(p, offset), "weight_map");
      p->namesLength = offset;
      if (!isMap) {
        if ((status = skipValue(p, 0)))
          return status;
        continue;
      }
      if (seenMap)
        return fail(p->report, RECUR_ST_BAD_HEADER,
                    "index: \"weight_map\" given twice");
      seenMap = true;
      if (!take(p, '{'))
        return syntax(p, "'{' to open \"weight_map\"");
      if (take(p, '}'))
        continue;
      do {
        size_t tensor, shard;
        if ((status = parseKey(p, &tensor, "':' after a tensor's name")) ||
            (status = parseString(p, &shard, &length)))
          return status;
        const char *file = nameAt(p, shard);
        char name[128];
        if (!*file || strchr(file, '/') || !strcmp(file, ".") ||
            !strcmp(file, ".."))
          return fail(p->report, RECUR_ST_BAD_HEADER,
                      "index: tensor '%s' is in \"%s\", which is not a "
                      "file name beside the index",
                      shown(nameAt(p, tensor), name, sizeof name), file);
        if (2 * *count + 2 > capacity) {
          capacity = capacity ? 2 * capacity : 128;
          size_t *grown = capacity > SIZE_MAX / sizeof(size_t)
                              ? NULL
                              : realloc(*offsets, capacity * sizeof(size_t));
          if (!grown)
            return fail(p->report, RECUR_ST_NO_MEMORY, "out of memory");
          *offsets = grown;
        }
        (*offsets)[2 * *count] = tensor;
        (*offsets)[2 * *count + 1] = shard;
        ++*count;
      } while (take(p, ','));
      if (!take(p, '}'))
        return syntax(p, "',' or '}' in \"weight_map\"");
    } while (take(p, ','));
    if (!take(p, '}'))
      return syntax(p, "',' or '}' in the index");
  }
  if ((status = atEnd(p)))
    return status;
  if (!seenMap)
    return fail(p->report, RECUR_ST_BAD_HEADER,
                "index: no \"weight_map\"");
  return RECUR_ST_OK;
}

static int byTensorName(const void *a, const void *b, void *names) {
  return strcmp((const char *)names + ((const size_t *)a)[0],
                (const char *)names + ((const size_t *)b)[0]);
}

recur_st_status recur_st_parse_index(const void *bytes, size_t length,
                                     recur_st_index **out, char *message,
                                     size_t size) {
  Report report = {message, size};
  if (message && size)
    message[0] = '\0';
  *out = NULL;
  Parser parser = {0};
  parser.start = parser.at = bytes;
  parser.end = parser.start + length;
  parser.what = "index";
  parser.report = &report;
  recur_st_index *index = calloc(1, sizeof *index);
  recur_st_status status =
      index ? parseIndex(&parser, &index->offsets, &index->count)
            : fail(&report, RECUR_ST_NO_MEMORY, "out of memory");
  if (!status && index->count > 1) {
    /* Sorted by tensor name: lookups bisect, a name given twice is
     * next to itself. */
    qsort_r(index->offsets, index->count, 2 * sizeof(size_t), byTensorName,
            parser.names);
    for (size_t i = 1; i < index->count && !status; ++i) {
      const char *name = parser.names + index->offsets[2 * i];
      if (!strcmp(name, parser.names + index->offsets[2 * i - 2])) {
        char shownName[128];
        status = fail(&report, RECUR_ST_BAD_HEADER,
                      "index: tensor '%s' is given twice",
                      shown(name, shownName, sizeof shownName));
      }
    }
  }
  if (index)
    index->names = parser.names;
  else
    free(parser.names);
  if (status) {
    recur_st_index_free(index);
    return status;
  }
  *out = index;
  return RECUR_ST_OK;
}

void recur_st_index_free(recur_st_index *index) {
  if (!index)
    return;
  free(index->names);
  free(index->offsets);
  free(index);
}

size_t recur_st_index_count(const recur_st_index *index) {
  return index->count;
}

const char *recur_st_index_tensor(const recur_st_index *index, size_t i) {
  return i < index->count ? index->names + index->offsets[2 * i] : NULL;
}

const char *recur_st_index_shard(const recur_st_index *index, size_t i) {
  return i < index->count ? index->names + index->offsets[2 * i + 1] : NULL;
}

const char *recur_st_index_find(const recur_st_index *index,
                                const char *tensor) {
  size_t low = 0, high = index->count;
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    int order = strcmp(index->names + index->offsets[2 * middle], tensor);
    if (order == 0)
      return index->names + index->offsets[2 * middle + 1];
    if (order < 0)
      low = middle + 1;
    else
      high = middle;
  }
  return NULL;
}

/*===-- Validation --------------------------------------------------------===*/

/* An entry's place in the data, for sorting. */
typedef struct {
  uint64_t begin, bytes;
  size_t entry;
} Extent;

static int byBegin(const void *a, const void *b) {
  const Extent *x = a, *y = b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->bytes < y->bytes ? -1 : x->bytes > y->bytes;
}

static int byName(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Checks each entry's size, that no name repeats, and that the tensors
 * cover the `dataBytes` bytes of data exactly once; then fills the file's
 * tensors, in the order of their data. */
static recur_st_status validate(Parser *p, const unsigned char *data,
                                uint64_t dataBytes, recur_st_file *file) {
  Report *report = p->report;
  char name[128];
  size_t count = p->count;
  Extent *extents = malloc((count ? count : 1) * sizeof(Extent));
  const char **names = malloc((count ? count : 1) * sizeof(char *));
  file->tensors = calloc(count ? count : 1, sizeof(recur_st_tensor));
  recur_st_status status = RECUR_ST_OK;
  if (!extents || !names || !file->tensors)
    status = fail(report, RECUR_ST_NO_MEMORY, "out of memory");

  for (size_t i = 0; !status && i < count; ++i) {
    const Entry *entry = &p->entries[i];
    const char *entryName = p->names + entry->nameOffset;
    names[i] = entryName;
    shown(entryName, name, sizeof name);
    uint64_t bytes = dtypeBytes(entry->dtype);
    for (int d = 0; !status && d < entry->rank; ++d) {
      uint64_t dim = (uint64_t)entry->shape[d];
      if (dim && bytes > UINT64_MAX / dim)
        status = fail(report, RECUR_ST_BAD_TENSOR,
                      "tensor '%s': its shape holds more than 2^64 bytes",
                      name);
      bytes *= dim;
    }
    if (status)
      break;
    if (entry->end < entry->begin)
      status = fail(report, RECUR_ST_BAD_TENSOR,
                    "tensor '%s': data_offsets [%llu, %llu] end before they "
                    "begin",
                    name, (unsigned long long)entry->begin,
                    (unsigned long long)entry->end);
    else if (entry->end - entry->begin != bytes)
      status = fail(report, RECUR_ST_BAD_TENSOR,
                    "tensor '%s': data_offsets [%llu, %llu] hold %llu bytes, "
                    "but %s of its shape needs %llu",
                    name, (unsigned long long)entry->begin,
                    (unsigned long long)entry->end,
                    (unsigned long long)(entry->end - entry->begin),
                    recur_st_dtype_name(entry->dtype),
                    (unsigned long long)bytes);
    else if (entry->end > dataBytes)
      status = fail(report, RECUR_ST_TRUNCATED,
                    "tensor '%s': data_offsets end at byte %llu, but the file "
                    "has %llu bytes of data",
                    name, (unsigned long long)entry->end,
                    (unsigned long long)dataBytes);
    extents[i] = (Extent){entry->begin, bytes, i};
  }

  if (!status) {
    qsort(names, count, sizeof(char *), byName);
    for (size_t i = 1; !status && i < count; ++i)
      if (!strcmp(names[i - 1], names[i]))
        status = fail(report, RECUR_ST_BAD_HEADER,
                      "header: tensor '%s' is given twice",
                      shown(names[i], name, sizeof name));
  }

  if (!status) {
    qsort(extents, count, sizeof(Extent), byBegin);
    uint64_t covered = 0;
    for (size_t i = 0; !status && i < count; ++i) {
      const Extent *extent = &extents[i];
      const Entry *entry = &p->entries[extent->entry];
      shown(p->names + entry->nameOffset, name, sizeof name);
      if (extent->begin < covered)
        status = fail(report, RECUR_ST_BAD_TENSOR,
                      "tensor '%s': its data (from byte %llu) overlaps "
                      "another tensor's (up to byte %llu)",
                      name, (unsigned long long)extent->begin,
                      (unsigned long long)covered);
      else if (extent->begin > covered)
        status = fail(report, RECUR_ST_BAD_TENSOR,
                      "tensor '%s': its data begins at byte %llu, leaving a "
                      "hole after byte %llu",
                      name, (unsigned long long)extent->begin,
                      (unsigned long long)covered);
      covered = extent->begin + extent->bytes;
    }
    if (!status && covered != dataBytes)
      status = fail(report, RECUR_ST_BAD_TENSOR,
                    "data: %llu bytes after the last tensor's (which ends at "
                    "byte %llu)",
                    (unsigned long long)(dataBytes - covered),
                    (unsigned long long)covered);
  }

  if (!status) {
    file->names = p->names;
    p->names = NULL;
    file->count = count;
    for (size_t i = 0; i < count; ++i) {
      const Entry *entry = &p->entries[extents[i].entry];
      recur_st_tensor *tensor = &file->tensors[i];
      tensor->name = file->names + entry->nameOffset;
      tensor->dtype = entry->dtype;
      tensor->rank = entry->rank;
      memcpy(tensor->shape, entry->shape, sizeof tensor->shape);
      tensor->data = data + extents[i].begin;
      tensor->bytes = extents[i].bytes;
    }
  }
  free(extents);
  free(names);
  return status;
}

/*===-- The file ----------------------------------------------------------===*/

static uint64_t littleEndian64(const unsigned char *bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}

recur_st_status recur_st_parse(const void *bytes, size_t length,
                               recur_st_file **out, char *message,
                               size_t size) {
  Report report = {message, size};
  if (message && size)
    message[0] = '\0';
  *out = NULL;
  const unsigned char *start = bytes;
  if (length < 8)
    return fail(&report, RECUR_ST_TRUNCATED,
                "file of %zu bytes: too short for the 8-byte header length",
                length);
  uint64_t headerBytes = littleEndian64(start);
  if (headerBytes > length - 8)
    return fail(&report, RECUR_ST_TRUNCATED,
                "the header length is %llu bytes, but the file has %zu after "
                "it",
                (unsigned long long)headerBytes, length - 8);
  if (headerBytes > MAX_HEADER_BYTES)
    return fail(&report, RECUR_ST_BAD_HEADER,
                "the header length is %llu bytes, more than the format's "
                "limit of %llu",
                (unsigned long long)headerBytes, MAX_HEADER_BYTES);

  Parser parser = {0};
  parser.start = parser.at = (const char *)start + 8;
  parser.end = parser.start + headerBytes;
  parser.what = "header";
  parser.report = &report;
  recur_st_file *file = calloc(1, sizeof *file);
  recur_st_status status =
      file ? parseHeader(&parser)
           : fail(&report, RECUR_ST_NO_MEMORY, "out of memory");
  if (!status)
    status = validate(&parser, start + 8 + headerBytes,
                      length - 8 - headerBytes, file);
  free(parser.entries);
  free(parser.names);
  if (status) {
    recur_st_close(file);
    return status;
  }
  *out = file;
  return RECUR_ST_OK;
}

recur_st_status recur_st_open(const char *path, recur_st_file **out,
                              char *message, size_t size) {
  Report report = {message, size};
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(&report, RECUR_ST_IO_ERROR, "cannot open: %s",
                strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    int error = errno;
    close(fd);
    return fail(&report, RECUR_ST_IO_ERROR, "not a readable regular file%s%s",
                error ? ": " : "", error ? strerror(error) : "");
  }
  size_t length = (size_t)info.st_size;
  void *mapping = NULL;
  if (length > 0) {
    mapping = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
      int error = errno;
      close(fd);
      return fail(&report, RECUR_ST_IO_ERROR, "cannot map: %s",
                  strerror(error));
    }
  }
  close(fd);
  recur_st_status status = recur_st_parse(mapping ? mapping : "", length, out,
                                          message, size);
  if (status) {
    if (mapping)
      munmap(mapping, length);
    return status;
  }
  (*out)->mapping = mapping;
  (*out)->mappingLength = length;
  return RECUR_ST_OK;
}

void recur_st_close(recur_st_file *file) {
  if (!file)
    return;
  if (file->mapping)
    munmap(file->mapping, file->mappingLength);
  free(file->tensors);
  free(file->names);
  free(file);
}

size_t recur_st_count(const recur_st_file *file) { return file->count; }

const recur_st_tensor *recur_st_at(const recur_st_file *file, size_t index) {
  return index < file->count ? &file->tensors[index] : NULL;
}

const recur_st_tensor *recur_st_find(const recur_st_file *file,
                                     const char *name) {
  for (size_t i = 0; i < file->count; ++i)
    if (!strcmp(file->tensors[i].name, name))
      return &file->tensors[i];
  return NULL;
}

/*===-- Reading -----------------------------------------------------------===*/

static float fromHalf(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff, bits;
  if (exponent == 0x1f) { /* inf, nan */
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa) { /* subnormal: normalize */
    exponent = 113;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
  } else {
    bits = sign;
  }
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static void appendShape(char *text, size_t size, int rank,
                        const int64_t *shape) {
  size_t used = (size_t)snprintf(text, size, "[");
  for (int d = 0; d < rank && used < size; ++d)
    used += (size_t)snprintf(text + used, size - used, "%s%lld",
                             d ? ", " : "", (long long)shape[d]);
  if (used < size)
    snprintf(text + used, size - used, "]");
}

recur_st_status recur_st_read_f32(const recur_st_file *file, const char *name,
                                  int rank, const int64_t *shape, float *dest,
                                  char *message, size_t size) {
  Report report = {message, size};
  const recur_st_tensor *tensor = recur_st_find(file, name);
  if (!tensor)
    return fail(&report, RECUR_ST_NOT_FOUND, "no tensor '%s' in the file",
                name);
  bool same = rank == tensor->rank;
  for (int d = 0; same && d < rank; ++d)
    same = shape[d] == tensor->shape[d];
  if (!same) {
    char found[160], expected[160];
    appendShape(found, sizeof found, tensor->rank, tensor->shape);
    appendShape(expected, sizeof expected,
                rank < 0 ? 0
                : rank > RECUR_ST_MAX_RANK ? RECUR_ST_MAX_RANK
                                           : rank,
                shape);
    return fail(&report, RECUR_ST_MISMATCH,
                "tensor '%s' has shape %s, expected %s%s", name, found,
                expected, rank > RECUR_ST_MAX_RANK ? " (too many dimensions)"
                                                   : "");
  }
  unsigned bytes = dtypeBytes(tensor->dtype);
  uint64_t count = bytes ? tensor->bytes / bytes : 0;
  const unsigned char *data = tensor->data;
  switch (tensor->dtype) {
  case RECUR_ST_F32:
    for (uint64_t i = 0; i < count; ++i) {
      uint32_t bits = (uint32_t)data[4 * i] | (uint32_t)data[4 * i + 1] << 8 |
                      (uint32_t)data[4 * i + 2] << 16 |
                      (uint32_t)data[4 * i + 3] << 24;
      memcpy(&dest[i], &bits, sizeof bits);
    }
    return RECUR_ST_OK;
  case RECUR_ST_F16:
    for (uint64_t i = 0; i < count; ++i)
      dest[i] = fromHalf((uint16_t)(data[2 * i] | data[2 * i + 1] << 8));
    return RECUR_ST_OK;
  case RECUR_ST_BF16:
    for (uint64_t i = 0; i < count; ++i) {
      uint32_t bits = ((uint32_t)data[2 * i] | (uint32_t)data[2 * i + 1] << 8)
                      << 16;
      memcpy(&dest[i], &bits, sizeof bits);
    }
    return RECUR_ST_OK;
  default:
    return fail(&report, RECUR_ST_MISMATCH,
                "tensor '%s' is %s; recur reads F32, F16 and BF16", name,
                recur_st_dtype_name(tensor->dtype));
  }
}
