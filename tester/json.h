/* json: a small, strict, bounded JSON parser (RFC 8259) for reading our
 * own result files back (`mailspec diff`, `mailspec merge`).  Pure: a
 * buffer in, a tree out.  Input is untrusted (files from CI artefacts),
 * so nesting depth, input size and string length are capped and every
 * error says where: "LINE:COL: message". */
#ifndef MS_JSON_H
#define MS_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum ms_json_type {
  MS_JSON_NULL = 0,
  MS_JSON_BOOL,
  MS_JSON_NUMBER,
  MS_JSON_STRING,
  MS_JSON_ARRAY,
  MS_JSON_OBJECT
};

struct ms_json {
  enum ms_json_type type;
  int line, col;         /* where the value starts (1-based) */
  bool b;                /* BOOL */
  double num;            /* NUMBER */
  bool integer;          /* NUMBER written without fraction/exponent */
  char *str;             /* STRING (UTF-8, NUL-terminated, no NUL inside) */
  size_t len;            /* STRING length */
  struct ms_json *items; /* ARRAY elements, OBJECT values */
  char **keys;           /* OBJECT keys (parallel to items) */
  size_t n;
};

struct ms_json_limits {
  size_t max_depth;  /* nesting of arrays/objects */
  size_t max_input;  /* bytes */
  size_t max_string; /* bytes of one decoded string */
  size_t max_items;  /* elements of one array or object */
};
#define MS_JSON_LIMITS_DEFAULT                                                 \
  { 64, 256u * 1024 * 1024, 64u * 1024 * 1024, 1000000 }

/* Parse BUF (LEN bytes, need not be NUL-terminated).  LIM NULL = the
 * defaults.  Returns the root, or NULL with "LINE:COL: message" in ERR. */
struct ms_json *ms_json_parse(const char *buf, size_t len,
                              const struct ms_json_limits *lim, char *err,
                              size_t errlen);
void ms_json_free(struct ms_json *j);

/* OBJ's member KEY, or NULL (also when OBJ is not an object). */
const struct ms_json *ms_json_get(const struct ms_json *obj, const char *key);
/* "object", "string", ... for messages. */
const char *ms_json_type_name(enum ms_json_type t);

#endif
