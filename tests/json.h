/* json.h: a small JSON reader for tests (golden files and fairc's own --json output). */
#ifndef FAIRC_TEST_JSON_H
#define FAIRC_TEST_JSON_H

#include <stddef.h>

enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

typedef struct json {
    int type;
    double number;     /* JSON_NUMBER, JSON_BOOL */
    char *string;      /* JSON_STRING; also the key of an object member */
    char *key;
    struct json *items; /* JSON_ARRAY, JSON_OBJECT */
    size_t n;
} json;

/* Parses text; returns NULL on a syntax error. */
json *json_parse(const char *text);
void json_free(json *j);
/* Member key of an object, or NULL. */
const json *json_get(const json *j, const char *key);
/* Follows "a.b.c" through objects (keys may not contain '.'); NULL if absent. */
const json *json_path(const json *j, const char *path);

#endif
