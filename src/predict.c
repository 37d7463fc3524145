/* predict.c: `fairc predict` as a library call: streams a file's raw rows through the model's
 * encoder in blocks, scores them and writes a CSV (score, decision) atomically, in row order.
 * Memory is O(block), so any file size works. */
#include "encode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PREDICT_BLOCK 4096

/* 1 if a and b name the same existing file. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Writes a CSV field, quoted when it holds the delimiter, a quote or a line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

typedef struct {
    float *X;        /* (PREDICT_BLOCK, D) */
    double *p;       /* PREDICT_BLOCK */
    char **kept;     /* PREDICT_BLOCK x n_keep strings */
    size_t n;
} block;

static int flush_block(const fairc_predictor *p, block *b, size_t n_keep, FILE *f, fairc_status *st)
{
    if (b->n == 0) return FAIRC_OK;
    int rc = fairc_predictor_predict(p, b->X, b->n, b->p, st);
    if (rc != FAIRC_OK) return rc;
    int regress = p->enc.task == FAIRC_TASK_REGRESSION;
    for (size_t i = 0; i < b->n; i++) {
        for (size_t k = 0; k < n_keep; k++) {
            csv_field(f, b->kept[i * n_keep + k]);
            fputc(',', f);
            free(b->kept[i * n_keep + k]);
            b->kept[i * n_keep + k] = NULL;
        }
        if (regress) fprintf(f, "%.17g\n", b->p[i]);
        else fprintf(f, "%.17g,%d\n", b->p[i], b->p[i] > 0.5);
    }
    b->n = 0;
    return FAIRC_OK;
}

FAIRC_API int fairc_predict_file(const fairc_predictor *p, const char *data,
                                 const fairc_read_options *ropt, const char *const *keep,
                                 size_t n_keep, const char *out_path, fairc_predict_info *info,
                                 fairc_status *st)
{
    fairc_predict_info local = {0, 0};
    if (!p || !data || !out_path) return fairc_fail(st, FAIRC_EINVAL, "a model, a data file and an output are required");
    if (same_file(data, out_path))
        return fairc_fail(st, FAIRC_EINVAL, "%.200s: the output would overwrite the input data", out_path);
    fairc_reader *r = NULL;
    fairc_encoder_index *x = NULL;
    long *keep_col = NULL;
    block b = {0};
    fairc_atomic_file out = {0};
    int opened = 0;
    size_t D = p->enc.D;
    int rc = fairc_reader_open(data, ropt, &r, st);
    if (rc == FAIRC_OK) rc = fairc_encoder_index_new(&p->enc, &x, st);
    if (rc == FAIRC_OK) rc = fairc_encoder_bind(&p->enc, x, r, st);
    if (rc == FAIRC_OK) {
        keep_col = calloc(n_keep ? n_keep : 1, sizeof *keep_col);
        b.X = malloc(PREDICT_BLOCK * (D ? D : 1) * sizeof *b.X);
        b.p = malloc(PREDICT_BLOCK * sizeof *b.p);
        b.kept = calloc(PREDICT_BLOCK * (n_keep ? n_keep : 1), sizeof *b.kept);
        if (!keep_col || !b.X || !b.p || !b.kept) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; rc == FAIRC_OK && k < n_keep; k++)
        if ((keep_col[k] = fairc_reader_find(r, keep[k])) < 0)
            rc = fairc_fail(st, FAIRC_EINVAL, "%.200s: no column named '%.100s' (--keep)", data, keep[k]);
    if (rc == FAIRC_OK) rc = fairc_atomic_open(&out, out_path, st);
    if (rc == FAIRC_OK) {
        opened = 1;
        for (size_t k = 0; k < n_keep; k++) {
            csv_field(out.f, keep[k]);
            fputc(',', out.f);
        }
        fputs(p->enc.task == FAIRC_TASK_REGRESSION ? "prediction\n" : "score,decision\n", out.f);
    }
    int more;
    while (rc == FAIRC_OK && (more = fairc_reader_next(r, st)) != 0) {
        if (more < 0) {
            rc = st && st->code ? st->code : FAIRC_EPARSE;
            break;
        }
        rc = fairc_encoder_row(&p->enc, x, r, b.X + b.n * D, &local.unseen_categories, st);
        for (size_t k = 0; rc == FAIRC_OK && k < n_keep; k++)
            if (!(b.kept[b.n * n_keep + k] = strdup(fairc_reader_field(r, (size_t)keep_col[k], NULL))))
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        if (rc != FAIRC_OK) break;
        b.n++;
        local.rows++;
        if (b.n == PREDICT_BLOCK) rc = flush_block(p, &b, n_keep, out.f, st);
    }
    if (rc == FAIRC_OK) rc = flush_block(p, &b, n_keep, out.f, st);
    if (opened) {
        int crc = fairc_atomic_close(&out, rc == FAIRC_OK, st);
        if (rc == FAIRC_OK) rc = crc;
    }
    for (size_t i = 0; b.kept && i < PREDICT_BLOCK * n_keep; i++) free(b.kept[i]);
    free(b.kept);
    free(b.X);
    free(b.p);
    free(keep_col);
    fairc_encoder_index_free(&x);
    fairc_reader_free(&r);
    if (info) *info = local;
    return rc;
}
