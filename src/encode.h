/* encode.h: the training table and the encoder's functions (encode.c). Internal. */
#ifndef FAIRC_ENCODE_H
#define FAIRC_ENCODE_H

#include "predictor.h"

#define FAIRC_MISSING_ID UINT32_MAX

/* One column of a file held in memory: each row's value id (or FAIRC_MISSING_ID) into levels,
 * and its number (NaN when not a number). numeric: every present value is a finite number
 * (ARFF nominal and string columns never are). */
typedef struct fairc_table_col {
    char *name;
    int numeric;
    uint32_t *id;
    double *num;
    fairc_strmap levels;
    size_t n_missing;
} fairc_table_col;

typedef struct fairc_table {
    size_t N, cap, ncols;
    fairc_table_col *cols;
    uint64_t dropped; /* rows dropped for a missing label */
} fairc_table;

/* Checks made while reading, so errors can name line and field: a missing label (an error, or
 * the row is dropped), a weight that is not a finite number >= 0. -1: no such column. */
typedef struct fairc_table_checks {
    long label_col, weight_col;
    int drop_missing_label;
} fairc_table_checks;

/* Reads every remaining record of r into a new table (*out owned by the caller). */
int fairc_table_read(fairc_reader *r, const fairc_table_checks *chk, fairc_table **out,
                     fairc_status *st);
void fairc_table_free(fairc_table **t);
long fairc_table_find(const fairc_table *t, const char *name);

/* What the encoder is fitted for: every column but the label, the weight and the dropped ones
 * is a feature; sensitive columns stay features unless dropped. */
typedef struct fairc_encoder_spec {
    int task;
    const char *label;
    const char *const *pos_labels;
    size_t n_pos_labels;
    const char *weight;
    const char *const *drop;
    size_t n_drop;
    const char *const *sensitive;
    size_t n_sensitive;
    const char *const *na_values; /* NULL: the defaults */
    size_t n_na_values;
} fairc_encoder_spec;

int fairc_encoder_fit(const fairc_table *t, const fairc_encoder_spec *spec, fairc_encoder *e,
                      fairc_status *st);
/* X (N, D) <- the table's rows encoded. */
int fairc_encoder_table(const fairc_encoder *e, const fairc_table *t, float *X, fairc_status *st);

/* Lookup structures for encoding streamed rows. */
typedef struct fairc_encoder_index fairc_encoder_index;
int fairc_encoder_index_new(const fairc_encoder *e, fairc_encoder_index **out, fairc_status *st);
void fairc_encoder_index_free(fairc_encoder_index **x);
/* Finds every feature column in r's header; an absent one is an error. */
int fairc_encoder_bind(const fairc_encoder *e, fairc_encoder_index *x, const fairc_reader *r,
                       fairc_status *st);
/* out (D) <- r's current record; a category unseen at fit adds 1 to *unseen. */
int fairc_encoder_row(const fairc_encoder *e, const fairc_encoder_index *x, const fairc_reader *r,
                      float *out, uint64_t *unseen, fairc_status *st);

/* SHA-256 of a file's bytes, for the model's META section (train.c). */
int fairc_sha256_file(const char *path, uint8_t out[32], fairc_status *st);

#endif
