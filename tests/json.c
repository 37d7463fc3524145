/* json.c: recursive-descent JSON reader for the tests; strict enough to catch malformed output. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    int failed;
} parser;

static void skip_ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r') ps->p++;
}

static int parse_value(parser *ps, json *out);
static void free_inner(json *j);

static char *parse_string(parser *ps)
{
    if (*ps->p != '"') return NULL;
    ps->p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    while (s && *ps->p && *ps->p != '"') {
        char c = *ps->p++;
        if ((unsigned char)c < 0x20) { free(s); return NULL; }
        if (c == '\\') {
            char e = *ps->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case '/': c = '/'; break;
            case '\\': c = '\\'; break;
            case '"': c = '"'; break;
            case 'u': {
                unsigned v = 0;
                for (int k = 0; k < 4; k++) {
                    char h = *ps->p++;
                    v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : 99);
                    if (v > 0xffff) { free(s); return NULL; }
                }
                c = v < 0x80 ? (char)v : '?'; /* tests only need ASCII escapes */
                break;
            }
            default: free(s); return NULL;
            }
        }
        if (n + 2 > cap) {
            char *t = realloc(s, cap *= 2);
            if (!t) { free(s); return NULL; }
            s = t;
        }
        s[n++] = c;
    }
    if (!s || *ps->p != '"') { free(s); return NULL; }
    ps->p++;
    s[n] = 0;
    return s;
}

static int push(json *arr, json *item)
{
    json *t = realloc(arr->items, (arr->n + 1) * sizeof *t);
    if (!t) return -1;
    arr->items = t;
    arr->items[arr->n++] = *item;
    return 0;
}

static int parse_value(parser *ps, json *out)
{
    memset(out, 0, sizeof *out);
    skip_ws(ps);
    const char *p = ps->p;
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        out->type = *p == '{' ? JSON_OBJECT : JSON_ARRAY;
        ps->p++;
        skip_ws(ps);
        if (*ps->p == close) { ps->p++; return 0; }
        for (;;) {
            json item;
            char *key = NULL;
            skip_ws(ps);
            if (out->type == JSON_OBJECT) {
                if (!(key = parse_string(ps))) return -1;
                skip_ws(ps);
                if (*ps->p++ != ':') { free(key); return -1; }
            }
            if (parse_value(ps, &item) != 0) { free(key); free_inner(&item); return -1; }
            item.key = key;
            if (push(out, &item) != 0) { free_inner(&item); return -1; }
            skip_ws(ps);
            if (*ps->p == ',') { ps->p++; continue; }
            if (*ps->p == close) { ps->p++; return 0; }
            return -1;
        }
    }
    if (*p == '"') {
        out->type = JSON_STRING;
        return (out->string = parse_string(ps)) ? 0 : -1;
    }
    if (strncmp(p, "null", 4) == 0) { ps->p += 4; out->type = JSON_NULL; return 0; }
    if (strncmp(p, "true", 4) == 0) { ps->p += 4; out->type = JSON_BOOL; out->number = 1; return 0; }
    if (strncmp(p, "false", 5) == 0) { ps->p += 5; out->type = JSON_BOOL; return 0; }
    char *end;
    out->number = strtod(p, &end);
    if (end == p || !(*p == '-' || (*p >= '0' && *p <= '9'))) return -1;
    out->type = JSON_NUMBER;
    ps->p = end;
    return 0;
}

static void free_inner(json *j)
{
    for (size_t k = 0; k < j->n; k++) free_inner(&j->items[k]);
    free(j->items);
    free(j->string);
    free(j->key);
}

json *json_parse(const char *text)
{
    parser ps = {text, 0};
    json *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    if (parse_value(&ps, j) != 0) { free_inner(j); free(j); return NULL; }
    skip_ws(&ps);
    if (*ps.p) { free_inner(j); free(j); return NULL; }
    return j;
}

void json_free(json *j)
{
    if (!j) return;
    free_inner(j);
    free(j);
}

const json *json_get(const json *j, const char *key)
{
    if (!j || j->type != JSON_OBJECT) return NULL;
    for (size_t k = 0; k < j->n; k++)
        if (j->items[k].key && strcmp(j->items[k].key, key) == 0) return &j->items[k];
    return NULL;
}

const json *json_path(const json *j, const char *path)
{
    char part[256];
    while (j && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part) return NULL;
        memcpy(part, path, n);
        part[n] = 0;
        j = json_get(j, part);
        path += n + (dot ? 1 : 0);
    }
    return j;
}
