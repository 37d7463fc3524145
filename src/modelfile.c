/* modelfile.c: the predictor file (SPEC §11): serialise a fairc_predictor to bytes, save them
 * atomically, load untrusted bytes back, describe a predictor (`fairc inspect`) and free it.
 * Not here: what the fields mean (predictor.h) and how they are fitted or applied (train.c,
 * predict.c). docs/model-format.md says the same as this comment, for readers of the format.
 *
 * Layout, format version 1.0. Little-endian throughout; u8/u16/u32/u64 unsigned integers,
 * f64 an IEEE-754 double stored as its 64 bits (so every value round-trips exactly, -0.0 and
 * subnormals included); str = u32 byte length (<= 65,536) + that many bytes of UTF-8 with no
 * NUL and no terminator; strs = u64 count + count str.
 *
 *   offset  size  field
 *   0       8     magic "FAIRCMOD"
 *   8       u16   major version = 1 (any other is rejected)
 *   10      u16   minor version = 0 (a higher one is accepted, see "extensions")
 *   12      u32   flags = 0 (non-zero is rejected)
 *   16      u64   L = body length, <= 1 GiB
 *   24      L     body: sections, one after the other
 *   24+L    u32   CRC-32 (IEEE, reflected, poly 0xEDB88320, init and final xor 0xFFFFFFFF, as
 *                 zlib's crc32) of bytes [0, 24+L); the file is exactly 24+L+4 bytes
 *
 *   section:  4-byte ASCII tag, u32 reserved = 0, u64 payload length, payload
 *   A tag whose first byte is an upper-case letter is critical (unknown: the file is rejected);
 *   lower-case, optional (unknown: skipped). META, ENCD, NODE and PARM must each appear exactly
 *   once, in any order (fairc writes them in that order and writes no other section).
 *
 *   META  str fairc version | str command line | str training file name |
 *         32 bytes SHA-256 of the training file | u64 training rows        (no timestamps)
 *   ENCD  u8 task (0 classification, 1 regression) | str label column | strs positive labels |
 *         u8 missing-value mode (0: fairc's defaults; 1: a list follows) [| strs tokens] |
 *         u64 D | u64 n_features, then per feature:
 *             str column | u8 kind (0 numeric, 1 categorical) | u64 offset (first encoded column)
 *             numeric:     f64 mean | f64 sd | u8 missing indicator (0/1)    width 1 + indicator
 *             categorical: strs levels                                       width n_levels
 *         | strs sensitive columns | strs group names
 *         The features' column ranges [offset, offset + width) tile [0, D) exactly once.
 *   PARM  u64 n_params | n_params f64, all finite
 *   NODE  u64 n_nodes (>= 1), then n_nodes records in pre-order (record 0 is the root);
 *         record: u32 type | u32 reserved = 0 | u64 payload length | payload
 *             1 MODEL:    u8 kind (1 logistic, 2 linear, 3 mlp) | u64 n_hidden | n_hidden u64
 *                         units | u64 param offset | u64 param count
 *                         (count = fairc_mlp_layout(D, hidden).count: D + 1 without hidden
 *                         layers; logistic and linear models have none)
 *             2 MIXTURE:  u64 n_children (>= 1) | n_children x (u64 child index, f64 weight)
 *                         (weights in [0, 1] summing to 1 within 1e-9; children in pre-order:
 *                         the first is the next record, each next one follows the previous
 *                         child's subtree)
 *             3 THRESHOLD (format 1.3, threshold.h): u8 source (0: the encoder's score column;
 *                         1: the probability of the base, the next record, its only child) |
 *                         u8 unseen-group policy (0 error, 1 pooled, 2 constant 0, 3 constant 1) |
 *                         rules pooled (may be empty) | u64 G = the encoder's group count |
 *                         G x rules (each 1..16 rules);
 *                         rules: u64 n | n x (f64 probability in [0, 1], u8 op (0 score > t,
 *                         1 score < t, 2 always 1, 3 always 0), f64 t, not NaN), probabilities
 *                         summing to 1 within 1e-9
 *             4 CONSTANT: f64 p in [0, 1]
 *   ENCD of format 1.3 may end with: str score column | str id column (empty: none), written
 *         when either is set (a predictor fitted on a score column; per-row decision keys).
 *         A file with a THRESHOLD node or these fields is written as version 1.3; a THRESHOLD
 *         node in a file of an earlier version is an error.
 *   MULT  (format 1.1; optional to write, critical to read) fairness-aware training's record
 *         (fairtrain.h): u8 mitigation (1 penalty, 2 constrained) | u8 constraint (1 dp, 2 eo,
 *         3 tpr, 4 fpr, 5 error_rate) | u8 groups (0 intersection, 1 marginal, 2 both) |
 *         u8 dual signal (0 hard, 1 soft) | u8 select (0 best, 1 last) | f64 eps >= 0 |
 *         f64 r in (0, 1] | f64 alpha >= 0 | f64 p (>= 1; 0 stands for infinity) | f64 tol >= 0 |
 *         f64 momentum in [0, 1) | f64 eta >= 0 | f64 lambda_max >= 0 | u64 steps |
 *         u64 selected epoch | f64 V hard | f64 V soft | f64 disparity (>= 0; -1: undefined) |
 *         u64 K, then K x (str name, f64 lambda in [0, max(lambda_max, 0)], f64 gamma) |
 *         u64 R running slots, then R x (f64 weight >= 0, f64 soft sum, f64 hard sum)
 *         A file with MULT is written as version 1.1; every other file stays 1.0.
 *   MIXTURE of format 1.2 may end with u8 vote (0/1), written only when 1: the children's hard
 *         decisions are mixed (ExponentiatedGradient); a file with one says version 1.2.
 *   diag  (optional, any version) a reduction's record, payload read and written by
 *         reduction.c (fairc_red_record_*): method, constraint, bound, B, nu, iterations,
 *         oracle counts, constraint names, candidates (err, weight, node, gamma, lambda) and
 *         the gap and lambda of each iteration. docs/model-format.md gives every byte.
 *
 * Extensions: a later minor version may append fields to the end of a section or of a node
 * record, add optional sections, or add node types. A reader of minor version 0 skips bytes
 * left over at the end of a known section or record only when the file's minor version is
 * higher than 0; otherwise left-over bytes are an error. An unknown node type is an error.
 *
 * Loading checks, in order: size >= 28, magic, major version, the length field (cap, then equal
 * to the file size), the CRC, the flags; then the section table; then META, ENCD, PARM, NODE
 * through a bounds-checked cursor. Every count is checked against its cap and against the bytes
 * left in its section before anything is allocated. Caps: 100,000 features, sensitive columns
 * (and 1,000,000 levels per column, positive labels, missing-value tokens, groups); D <= 2^31;
 * 100,000 nodes; depth 16 (the root alone is depth 1); 63 hidden layers (64 layers with the
 * output); 2^31 parameters; strings 65,536 bytes. Errors read "FILE: byte OFFSET: SECTION: item:
 * what is wrong" with OFFSET the absolute position in the file. */
#include "fairtrain.h"
#include "model.h"
#include "predictor.h"
#include "reduction.h"
#include "sha256.h"
#include "threshold.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FORMAT_MAJOR 1u
#define FORMAT_MINOR 0u
#define FORMAT_MINOR_MULT 1u /* the version that added MULT, written only with it */
#define FORMAT_MINOR_VOTE 2u /* voting mixtures (ExponentiatedGradient), written only with one */
#define FORMAT_MINOR_THRESHOLD 3u /* THRESHOLD nodes, ENCD's score and id columns, only with them */
#define MIN_RULES_BYTES (8u + 17u) /* a rule list: its count and one rule */
#define MAX_CONSTRAINTS 10000000u
#define HEADER_BYTES 24u
#define CRC_BYTES 4u
#define MIN_FILE_BYTES (HEADER_BYTES + CRC_BYTES)
#define SECTION_HEADER_BYTES 16u
#define MAX_BODY_BYTES ((uint64_t)1 << 30)
#define MAX_STRING_BYTES 65536u
#define MAX_COLUMNS 100000u
#define MAX_LEVELS 1000000u
#define MAX_NODES 100000u
#define MAX_DEPTH 16u
#define MAX_HIDDEN ((unsigned)FAIRC_MLP_MAX_LAYERS - 1u)
#define MAX_PARAMS ((uint64_t)1 << 31)
#define WEIGHT_SUM_TOL 1e-9
/* Least bytes one element can take, to bound a count by the bytes left before allocating. */
#define MIN_FEATURE_BYTES (4u + 1u + 8u + 8u) /* empty name, kind, offset, zero levels */
#define MIN_NODE_BYTES (16u + 8u)             /* record header + the smallest payload */

#define TRY(x)                                                                              \
    do {                                                                                    \
        int rc_ = (x);                                                                      \
        if (rc_ != FAIRC_OK) return rc_;                                                    \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* CRC-32                                                                                      */

/* crc_table[n] = CRC of the byte n, reflected polynomial 0xEDB88320 (zlib's table). */
static const uint32_t crc_table[256] = {
    0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
    0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988, 0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
    0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
    0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
    0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172, 0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
    0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
    0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
    0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924, 0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
    0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
    0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
    0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e, 0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
    0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
    0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
    0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0, 0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
    0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
    0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
    0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a, 0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
    0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
    0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
    0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc, 0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
    0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
    0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
    0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236, 0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
    0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
    0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
    0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38, 0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
    0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
    0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
    0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2, 0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
    0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
    0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
    0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94, 0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t fairc_crc32(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t k = 0; k < n; k++) crc = crc_table[(crc ^ p[k]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ------------------------------------------------------------------------------------------ */
/* Freeing                                                                                     */

static void free_strs(char **s, size_t n)
{
    if (s)
        for (size_t k = 0; k < n; k++) free(s[k]);
    free(s);
}

void fairc_encoder_clear(fairc_encoder *e)
{
    if (!e) return;
    free(e->label);
    free_strs(e->pos_labels, e->n_pos_labels);
    free_strs(e->na_values, e->n_na_values);
    if (e->features)
        for (size_t k = 0; k < e->n_features; k++) {
            free(e->features[k].column);
            free_strs(e->features[k].levels, e->features[k].n_levels);
        }
    free(e->features);
    free_strs(e->sensitive, e->n_sensitive);
    free_strs(e->group_names, e->n_groups);
    free(e->score_column);
    free(e->id_column);
    memset(e, 0, sizeof *e);
}

FAIRC_API void fairc_predictor_free(fairc_predictor **pp)
{
    if (!pp || !*pp) return;
    fairc_predictor *p = *pp;
    free(p->meta.version);
    free(p->meta.command);
    free(p->meta.train_file);
    fairc_encoder_clear(&p->enc);
    if (p->nodes)
        for (size_t k = 0; k < p->n_nodes; k++) {
            free(p->nodes[k].hidden);
            free(p->nodes[k].children);
            free(p->nodes[k].weights);
            fairc_thresholds_free(&p->nodes[k].thr);
        }
    free(p->nodes);
    free(p->params);
    fairc_fair_record_free(&p->fair);
    fairc_red_record_free(&p->red);
    free(p);
    *pp = NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                     */

typedef struct wr {
    fairc_buf b;
    int code;          /* first error (FAIRC_OK if none); the message is in *st */
    fairc_status *st;
} wr;

static void put(wr *w, const void *p, size_t n) { fairc_buf_add(&w->b, p, n); }

static void put_le(wr *w, uint64_t v, unsigned n_bytes)
{
    uint8_t x[8];
    for (unsigned k = 0; k < n_bytes; k++) x[k] = (uint8_t)(v >> (8 * k));
    put(w, x, n_bytes);
}
static void put_u8(wr *w, unsigned v) { put_le(w, v, 1); }
static void put_u32(wr *w, uint32_t v) { put_le(w, v, 4); }
static void put_u64(wr *w, uint64_t v) { put_le(w, v, 8); }
static void put_f64(wr *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put_u64(w, u);
}

/* NULL is written as the empty string. */
static void put_str(wr *w, const char *s, const char *what)
{
    size_t n = s ? strlen(s) : 0;
    if (n > MAX_STRING_BYTES) {
        if (w->code == FAIRC_OK)
            w->code = fairc_fail(w->st, FAIRC_ELIMIT,
                                 "cannot save the predictor: %s is %zu bytes long, more than "
                                 "the cap of %u", what, n, MAX_STRING_BYTES);
        return;
    }
    put_u32(w, (uint32_t)n);
    put(w, s, n);
}

static void put_strs(wr *w, char *const *s, size_t n, const char *what)
{
    put_u64(w, n);
    for (size_t k = 0; k < n; k++) put_str(w, s ? s[k] : NULL, what);
}

/* Writes a 16-byte section or record header (id, reserved 0, length 0) and returns where the
 * payload starts; end_block patches the length once the payload is written. */
static size_t begin_block(wr *w, const uint8_t id[4])
{
    put(w, id, 4);
    put_u32(w, 0);
    put_u64(w, 0);
    return w->b.len;
}

static void end_block(wr *w, size_t start)
{
    if (w->b.failed) return;
    uint64_t n = w->b.len - start;
    for (unsigned k = 0; k < 8; k++) w->b.p[start - 8 + k] = (char)(uint8_t)(n >> (8 * k));
}

static size_t begin_section(wr *w, const char *tag) { return begin_block(w, (const uint8_t *)tag); }

static size_t begin_record(wr *w, uint32_t type)
{
    uint8_t id[4] = {(uint8_t)type, (uint8_t)(type >> 8), (uint8_t)(type >> 16),
                     (uint8_t)(type >> 24)};
    return begin_block(w, id);
}

static void put_meta(wr *w, const fairc_meta *m)
{
    size_t s = begin_section(w, "META");
    put_str(w, m->version, "the fairc version");
    put_str(w, m->command, "the command line");
    put_str(w, m->train_file, "the training file name");
    put(w, m->train_sha256, 32);
    put_u64(w, m->train_rows);
    end_block(w, s);
}

static void put_encoder(wr *w, const fairc_encoder *e)
{
    size_t s = begin_section(w, "ENCD");
    put_u8(w, (unsigned)e->task);
    put_str(w, e->label, "the label column");
    put_strs(w, e->pos_labels, e->n_pos_labels, "a positive label");
    put_u8(w, e->na_values ? 1 : 0);
    if (e->na_values) put_strs(w, e->na_values, e->n_na_values, "a missing-value token");
    put_u64(w, e->D);
    put_u64(w, e->n_features);
    for (size_t k = 0; k < e->n_features; k++) {
        const fairc_feature *f = &e->features[k];
        put_str(w, f->column, "a feature's column name");
        put_u8(w, (unsigned)f->kind);
        put_u64(w, f->offset);
        if (f->kind == FAIRC_FEAT_CATEGORICAL) {
            put_strs(w, f->levels, f->n_levels, "a level");
        } else {
            put_f64(w, f->mean);
            put_f64(w, f->sd);
            put_u8(w, f->has_indicator ? 1 : 0);
        }
    }
    put_strs(w, e->sensitive, e->n_sensitive, "a sensitive column");
    put_strs(w, e->group_names, e->n_groups, "a group name");
    if (e->score_column || e->id_column) { /* format 1.1 */
        put_str(w, e->score_column, "the score column");
        put_str(w, e->id_column, "the id column");
    }
    end_block(w, s);
}

static void put_rules(wr *w, const fairc_rule *r, size_t n)
{
    put_u64(w, n);
    for (size_t k = 0; k < n; k++) {
        put_f64(w, r[k].prob);
        put_u8(w, (unsigned)r[k].op);
        put_f64(w, r[k].t);
    }
}

/* The minor version a predictor needs: the highest of its extensions' (MULT 1, voting mixtures
 * 2, THRESHOLD nodes and ENCD's score and id columns 3); 0 without any. */
static unsigned format_minor(const fairc_predictor *p)
{
    unsigned minor = FORMAT_MINOR;
    if (p->fair) minor = FORMAT_MINOR_MULT;
    for (size_t i = 0; i < p->n_nodes; i++)
        if (p->nodes[i].type == FAIRC_NODE_MIXTURE && p->nodes[i].vote && minor < FORMAT_MINOR_VOTE)
            minor = FORMAT_MINOR_VOTE;
    int thr = p->enc.score_column || p->enc.id_column;
    for (size_t i = 0; i < p->n_nodes; i++) thr |= p->nodes[i].type == FAIRC_NODE_THRESHOLD;
    if (thr) minor = FORMAT_MINOR_THRESHOLD;
    return minor;
}

static void put_nodes(wr *w, const fairc_predictor *p)
{
    size_t s = begin_section(w, "NODE");
    put_u64(w, p->n_nodes);
    for (size_t i = 0; i < p->n_nodes; i++) {
        const fairc_node *n = &p->nodes[i];
        size_t r = begin_record(w, (uint32_t)n->type);
        if (n->type == FAIRC_NODE_MODEL) {
            put_u8(w, (unsigned)n->model_kind);
            put_u64(w, n->n_hidden);
            for (size_t l = 0; l < n->n_hidden; l++) put_u64(w, n->hidden[l]);
            put_u64(w, n->param_offset);
            put_u64(w, n->param_count);
        } else if (n->type == FAIRC_NODE_MIXTURE) {
            put_u64(w, n->n_children);
            for (size_t c = 0; c < n->n_children; c++) {
                put_u64(w, n->children[c]);
                put_f64(w, n->weights[c]);
            }
            if (n->vote) put_u8(w, 1); /* format 1.2 */
        } else if (n->type == FAIRC_NODE_CONSTANT) {
            put_f64(w, n->p);
        } else if (n->type == FAIRC_NODE_THRESHOLD && n->thr) {
            const fairc_thresholds *t = n->thr;
            put_u8(w, n->n_children ? 1 : 0);
            put_u8(w, (unsigned)t->unseen);
            put_rules(w, t->pooled, t->n_pooled);
            put_u64(w, t->G);
            for (size_t g = 0; g < t->G; g++)
                put_rules(w, t->rules + t->first[g], t->first[g + 1] - t->first[g]);
        }
        /* Any other type gets an empty record, which the check after writing rejects. */
        end_block(w, r);
    }
    end_block(w, s);
}

static void put_params(wr *w, const fairc_predictor *p)
{
    size_t s = begin_section(w, "PARM");
    put_u64(w, p->n_params);
    if (fairc_buf_reserve(&w->b, p->n_params * 8) == 0)
        for (size_t k = 0; k < p->n_params; k++) put_f64(w, p->params[k]);
    end_block(w, s);
}

static void put_mult(wr *w, const fairc_fair_record *f)
{
    size_t s = begin_section(w, "MULT");
    put_u8(w, (unsigned)f->mitigate);
    put_u8(w, (unsigned)f->constraint);
    put_u8(w, (unsigned)f->groups);
    put_u8(w, (unsigned)f->dual_signal);
    put_u8(w, (unsigned)f->select);
    put_f64(w, f->eps);
    put_f64(w, f->r);
    put_f64(w, f->alpha);
    put_f64(w, isinf(f->p_norm) ? 0.0 : f->p_norm);
    put_f64(w, f->tol);
    put_f64(w, f->momentum);
    put_f64(w, f->eta);
    put_f64(w, f->lambda_max);
    put_u64(w, f->steps);
    put_u64(w, f->selected_epoch);
    put_f64(w, f->violation);
    put_f64(w, f->violation_soft);
    put_f64(w, isnan(f->disparity) ? -1.0 : f->disparity);
    put_u64(w, f->K);
    for (size_t k = 0; k < f->K; k++) {
        put_str(w, f->names[k], "a constraint name");
        put_f64(w, f->lambda[k]);
        put_f64(w, f->gamma[k]);
    }
    put_u64(w, f->n_running);
    for (size_t k = 0; k < f->n_running; k++) {
        put_f64(w, f->run_D[k]);
        put_f64(w, f->run_soft[k]);
        put_f64(w, f->run_hard[k]);
    }
    end_block(w, s);
}

static int parse(const uint8_t *b, size_t n, const char *name, int keep_params,
                 fairc_predictor **out, fairc_status *st);

FAIRC_API int fairc_predictor_serialize(const fairc_predictor *p, void **bytes, size_t *n_bytes,
                                        fairc_status *st)
{
    if (bytes) *bytes = NULL;
    if (n_bytes) *n_bytes = 0;
    if (!p || !bytes || !n_bytes)
        return fairc_fail(st, FAIRC_EINVAL, "fairc_predictor_serialize: NULL argument");
    if (p->n_params > MAX_PARAMS || p->n_nodes > MAX_NODES)
        return fairc_fail(st, FAIRC_ELIMIT, "cannot save the predictor: %zu parameters and %zu "
                          "nodes exceed the caps (2^31 and %u)", p->n_params, p->n_nodes,
                          MAX_NODES);
    wr w = {{0}, FAIRC_OK, st};
    put(&w, "FAIRCMOD", 8);
    put_le(&w, FORMAT_MAJOR, 2);
    put_le(&w, format_minor(p), 2);
    put_u32(&w, 0);
    put_u64(&w, 0); /* body length, patched below */
    put_meta(&w, &p->meta);
    put_encoder(&w, &p->enc);
    put_nodes(&w, p);
    put_params(&w, p);
    if (p->fair) put_mult(&w, p->fair);
    if (p->red) { /* optional: a reduction's record (reduction.c writes the payload) */
        size_t s = begin_section(&w, "diag");
        fairc_red_record_write(p->red, &w.b);
        end_block(&w, s);
    }
    if (w.code == FAIRC_OK && w.b.failed)
        w.code = fairc_fail(st, FAIRC_ENOMEM, "out of memory writing the predictor");
    if (w.code == FAIRC_OK && w.b.len - HEADER_BYTES > MAX_BODY_BYTES)
        w.code = fairc_fail(st, FAIRC_ELIMIT, "cannot save the predictor: its file would be "
                            "%zu bytes, more than the cap of 1 GiB", w.b.len + CRC_BYTES);
    if (w.code != FAIRC_OK) {
        fairc_buf_free(&w.b);
        return w.code;
    }
    uint64_t body = w.b.len - HEADER_BYTES;
    for (unsigned k = 0; k < 8; k++) w.b.p[16 + k] = (char)(uint8_t)(body >> (8 * k));
    put_u32(&w, fairc_crc32(0, w.b.p, w.b.len));
    if (w.b.failed) {
        fairc_buf_free(&w.b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory writing the predictor");
    }
    /* Never hand out bytes that our own loader would reject: check them with its rules (all
     * but a copy of the parameters), so a bad predictor fails here, not at the next load. */
    fairc_status check = {0};
    int rc = parse((const uint8_t *)w.b.p, w.b.len, NULL, 0, NULL, &check);
    if (rc != FAIRC_OK) {
        fairc_buf_free(&w.b);
        return fairc_fail(st, rc == FAIRC_EPARSE ? FAIRC_EINVAL : rc,
                          "cannot save the predictor, it is not valid: %.400s", check.message);
    }
    *bytes = w.b.p;
    *n_bytes = w.b.len;
    return FAIRC_OK;
}

FAIRC_API int fairc_predictor_save(const fairc_predictor *p, const char *path, fairc_status *st)
{
    if (!p || !path) return fairc_fail(st, FAIRC_EINVAL, "fairc_predictor_save: NULL argument");
    void *bytes = NULL;
    size_t n = 0;
    int rc = fairc_predictor_serialize(p, &bytes, &n, st);
    if (rc != FAIRC_OK) return rc;
    fairc_atomic_file a;
    rc = fairc_atomic_open(&a, path, st);
    if (rc == FAIRC_OK) {
        int ok = fwrite(bytes, 1, n, a.f) == n;
        rc = fairc_atomic_close(&a, ok, st);
    }
    free(bytes);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading: a cursor over the whole file, limited to the current section or record            */

typedef struct rd {
    const uint8_t *b;   /* the whole file */
    size_t pos, end;    /* cursor, and the end of the current section or record */
    const char *name;   /* file name for messages; NULL: messages start at "byte N" */
    const char *sec;    /* tag of the section being read, or NULL */
    char item[96];      /* what is being read ("feature 3 'age'"), or "" */
    unsigned minor;     /* the file's minor version */
    int keep_params;    /* 0: check PARM without copying it (serialize's self-check) */
    fairc_status *st;
} rd;

static int rd_fail(rd *r, int code, size_t at, const char *fmt, ...) FAIRC_PRINTF(4, 5);
static int rd_fail(rd *r, int code, size_t at, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const char *sec = r->sec ? r->sec : "", *sep1 = r->sec ? ": " : "";
    const char *sep2 = r->item[0] ? ": " : "";
    if (r->name)
        return fairc_fail(r->st, code, "%.120s: byte %zu: %s%s%s%s%s", r->name, at, sec, sep1,
                          r->item, sep2, what);
    return fairc_fail(r->st, code, "byte %zu: %s%s%s%s%s", at, sec, sep1, r->item, sep2, what);
}

static int rd_nomem(rd *r)
{
    return fairc_fail(r->st, FAIRC_ENOMEM, "%.200s: out of memory loading the predictor",
                      r->name ? r->name : "model");
}

/* A name from the file, shortened and with control bytes replaced, for messages. */
static void safe_name(char *dst, size_t cap, const char *s)
{
    size_t k = 0;
    for (; s && s[k] && k + 4 < cap && k < 40; k++) {
        unsigned char c = (unsigned char)s[k];
        dst[k] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (s && s[k] && k + 4 <= cap) {
        memcpy(dst + k, "...", 3);
        k += 3;
    }
    dst[k] = 0;
}

static uint64_t le_at(const uint8_t *p, unsigned n_bytes)
{
    uint64_t v = 0;
    for (unsigned k = n_bytes; k-- > 0;) v = v << 8 | p[k];
    return v;
}

static int rd_take(rd *r, size_t n, const char *what)
{
    if (r->end - r->pos < n)
        return rd_fail(r, FAIRC_EPARSE, r->pos, "%s is cut short (%zu bytes needed, %zu left)",
                       what, n, r->end - r->pos);
    return FAIRC_OK;
}

static int rd_u8(rd *r, const char *what, unsigned *v)
{
    TRY(rd_take(r, 1, what));
    *v = r->b[r->pos++];
    return FAIRC_OK;
}

static int rd_u32(rd *r, const char *what, uint32_t *v)
{
    TRY(rd_take(r, 4, what));
    *v = (uint32_t)le_at(r->b + r->pos, 4);
    r->pos += 4;
    return FAIRC_OK;
}

static int rd_u64(rd *r, const char *what, uint64_t *v)
{
    TRY(rd_take(r, 8, what));
    *v = le_at(r->b + r->pos, 8);
    r->pos += 8;
    return FAIRC_OK;
}

static int rd_f64(rd *r, const char *what, double *v)
{
    uint64_t u;
    TRY(rd_u64(r, what, &u));
    memcpy(v, &u, sizeof *v);
    return FAIRC_OK;
}

/* Index of the first byte of s[0..n) that starts an invalid UTF-8 sequence (overlong forms,
 * surrogates and code points above U+10FFFF are invalid), or n. */
static size_t utf8_invalid_at(const uint8_t *s, size_t n)
{
    size_t k = 0;
    while (k < n) {
        unsigned c = s[k];
        if (c < 0x80) {
            k++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return k;
        }
        if (n - k < len) return k;
        for (size_t j = 1; j < len; j++) {
            if ((s[k + j] & 0xc0) != 0x80) return k;
            cp = cp << 6 | (s[k + j] & 0x3fu);
        }
        if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return k;
        if (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) return k;
        k += len;
    }
    return n;
}

static int rd_str(rd *r, const char *what, char **out)
{
    size_t at = r->pos;
    uint32_t n;
    TRY(rd_u32(r, what, &n));
    if (n > MAX_STRING_BYTES)
        return rd_fail(r, FAIRC_ELIMIT, at, "%s is %lu bytes long, more than the cap of %u", what,
                       (unsigned long)n, MAX_STRING_BYTES);
    if (n > r->end - r->pos)
        return rd_fail(r, FAIRC_EPARSE, at, "%s is %lu bytes long, but only %zu bytes are left",
                       what, (unsigned long)n, r->end - r->pos);
    const uint8_t *s = r->b + r->pos;
    const uint8_t *nul = memchr(s, 0, n);
    if (nul) return rd_fail(r, FAIRC_EPARSE, r->pos + (size_t)(nul - s), "%s holds a NUL byte", what);
    size_t bad = utf8_invalid_at(s, n);
    if (bad < n) return rd_fail(r, FAIRC_EPARSE, r->pos + bad, "%s is not valid UTF-8", what);
    char *c = malloc((size_t)n + 1);
    if (!c) return rd_nomem(r);
    memcpy(c, s, n);
    c[n] = 0;
    *out = c;
    r->pos += n;
    return FAIRC_OK;
}

/* A count of elements of at least min_bytes each: checked against cap (FAIRC_ELIMIT) and then
 * against the bytes left (FAIRC_EPARSE), before the caller allocates anything for them. */
static int rd_count(rd *r, const char *what, uint64_t cap, size_t min_bytes, size_t *out)
{
    size_t at = r->pos;
    uint64_t v;
    char label[64];
    snprintf(label, sizeof label, "the count of %s", what);
    TRY(rd_u64(r, label, &v));
    if (v > cap)
        return rd_fail(r, FAIRC_ELIMIT, at, "%llu %s, more than the cap of %llu",
                       (unsigned long long)v, what, (unsigned long long)cap);
    size_t left = r->end - r->pos;
    if (v > left / min_bytes)
        return rd_fail(r, FAIRC_EPARSE, at, "%llu %s need at least %llu bytes, but only %zu are left",
                       (unsigned long long)v, what, (unsigned long long)(v * min_bytes), left);
    *out = (size_t)v;
    return FAIRC_OK;
}

/* strs: the array is owned by the caller from the moment it exists, so an error half-way
 * through leaves nothing unfreed. */
static int rd_strs(rd *r, const char *what, const char *one, uint64_t cap, char ***out,
                   size_t *n_out)
{
    size_t n;
    TRY(rd_count(r, what, cap, 4, &n));
    char **v = calloc(n ? n : 1, sizeof *v);
    if (!v) return rd_nomem(r);
    *out = v;
    *n_out = n;
    for (size_t k = 0; k < n; k++) {
        char label[64];
        snprintf(label, sizeof label, "%s %zu", one, k);
        TRY(rd_str(r, label, &v[k]));
    }
    return FAIRC_OK;
}

static int rd_meta(rd *r, fairc_meta *m)
{
    TRY(rd_str(r, "the fairc version", &m->version));
    TRY(rd_str(r, "the command line", &m->command));
    TRY(rd_str(r, "the training file name", &m->train_file));
    TRY(rd_take(r, 32, "the training file's SHA-256"));
    memcpy(m->train_sha256, r->b + r->pos, 32);
    r->pos += 32;
    uint64_t rows;
    TRY(rd_u64(r, "the training rows", &rows));
    m->train_rows = rows;
    return FAIRC_OK;
}

/* Where a feature's encoded columns lie, for the tiling check. */
typedef struct tile {
    uint64_t offset, width;
    size_t index, at; /* feature index, byte of its offset field */
} tile;

static int tile_cmp(const void *a, const void *b)
{
    const tile *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    if (x->width != y->width) return x->width < y->width ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int rd_feature(rd *r, const fairc_encoder *e, fairc_feature *f, size_t k, tile *t)
{
    snprintf(r->item, sizeof r->item, "feature %zu", k);
    TRY(rd_str(r, "the column name", &f->column));
    char shown[48];
    safe_name(shown, sizeof shown, f->column);
    snprintf(r->item, sizeof r->item, "feature %zu '%s'", k, shown);
    size_t at = r->pos;
    unsigned kind, u;
    TRY(rd_u8(r, "the kind", &kind));
    if (kind != FAIRC_FEAT_NUMERIC && kind != FAIRC_FEAT_CATEGORICAL)
        return rd_fail(r, FAIRC_EPARSE, at, "kind is %u, expected 0 (numeric) or 1 (categorical)",
                       kind);
    f->kind = (int)kind;
    size_t at_offset = r->pos;
    uint64_t offset, width;
    TRY(rd_u64(r, "the offset", &offset));
    if (kind == FAIRC_FEAT_NUMERIC) {
        at = r->pos;
        TRY(rd_f64(r, "the mean", &f->mean));
        if (!isfinite(f->mean))
            return rd_fail(r, FAIRC_EPARSE, at, "mean is %g, expected a finite number", f->mean);
        at = r->pos;
        TRY(rd_f64(r, "the sd", &f->sd));
        if (!(isfinite(f->sd) && f->sd > 0))
            return rd_fail(r, FAIRC_EPARSE, at, "sd is %g, expected a finite number > 0", f->sd);
        at = r->pos;
        TRY(rd_u8(r, "the missing-indicator flag", &u));
        if (u > 1)
            return rd_fail(r, FAIRC_EPARSE, at, "missing-indicator flag is %u, expected 0 or 1", u);
        f->has_indicator = (int)u;
        width = 1 + u;
    } else {
        TRY(rd_strs(r, "levels", "level", MAX_LEVELS, &f->levels, &f->n_levels));
        width = f->n_levels;
    }
    if (offset > e->D || width > e->D - offset)
        return rd_fail(r, FAIRC_EPARSE, at_offset,
                       "its %llu encoded columns from column %llu do not fit in D = %zu",
                       (unsigned long long)width, (unsigned long long)offset, e->D);
    f->offset = (size_t)offset;
    *t = (tile){offset, width, k, at_offset};
    r->item[0] = 0;
    return FAIRC_OK;
}

/* Every encoded column belongs to exactly one feature. */
static int check_tiling(rd *r, const fairc_encoder *e, tile *t, size_t at_D)
{
    qsort(t, e->n_features, sizeof *t, tile_cmp);
    uint64_t next = 0;
    for (size_t k = 0; k < e->n_features; k++) {
        char shown[48];
        safe_name(shown, sizeof shown, e->features[t[k].index].column);
        snprintf(r->item, sizeof r->item, "feature %zu '%s'", t[k].index, shown);
        if (t[k].offset < next)
            return rd_fail(r, FAIRC_EPARSE, t[k].at,
                           "encoded column %llu belongs to two features",
                           (unsigned long long)t[k].offset);
        if (t[k].offset > next)
            return rd_fail(r, FAIRC_EPARSE, t[k].at,
                           "starts at encoded column %llu, but no feature covers column %llu",
                           (unsigned long long)t[k].offset, (unsigned long long)next);
        next += t[k].width;
    }
    r->item[0] = 0;
    if (next != e->D)
        return rd_fail(r, FAIRC_EPARSE, at_D, "D is %zu, but the features cover %llu encoded columns",
                       e->D, (unsigned long long)next);
    return FAIRC_OK;
}

static int rd_features(rd *r, fairc_encoder *e, tile **tiles, size_t at_D)
{
    size_t n;
    TRY(rd_count(r, "features", MAX_COLUMNS, MIN_FEATURE_BYTES, &n));
    e->features = calloc(n ? n : 1, sizeof *e->features);
    *tiles = malloc((n ? n : 1) * sizeof **tiles);
    if (!e->features || !*tiles) return rd_nomem(r);
    e->n_features = n;
    for (size_t k = 0; k < n; k++) TRY(rd_feature(r, e, &e->features[k], k, &(*tiles)[k]));
    return check_tiling(r, e, *tiles, at_D);
}

static int rd_encoder(rd *r, fairc_encoder *e)
{
    size_t at = r->pos;
    unsigned u;
    TRY(rd_u8(r, "the task", &u));
    if (u != FAIRC_TASK_CLASSIFY && u != FAIRC_TASK_REGRESS)
        return rd_fail(r, FAIRC_EPARSE, at,
                       "task is %u, expected 0 (classification) or 1 (regression)", u);
    e->task = (int)u;
    TRY(rd_str(r, "the label column", &e->label));
    TRY(rd_strs(r, "positive labels", "positive label", MAX_LEVELS, &e->pos_labels,
                &e->n_pos_labels));
    at = r->pos;
    TRY(rd_u8(r, "the missing-value mode", &u));
    if (u == 1)
        TRY(rd_strs(r, "missing-value tokens", "missing-value token", MAX_LEVELS, &e->na_values,
                    &e->n_na_values));
    else if (u != 0)
        return rd_fail(r, FAIRC_EPARSE, at,
                       "missing-value mode is %u, expected 0 (the defaults) or 1 (a list)", u);
    size_t at_D = r->pos;
    uint64_t D;
    TRY(rd_u64(r, "D", &D));
    if (D > MAX_PARAMS)
        return rd_fail(r, FAIRC_ELIMIT, at_D, "D is %llu, more than the cap of 2^31",
                       (unsigned long long)D);
    e->D = (size_t)D;
    tile *tiles = NULL;
    int rc = rd_features(r, e, &tiles, at_D);
    free(tiles);
    TRY(rc);
    TRY(rd_strs(r, "sensitive columns", "sensitive column", MAX_COLUMNS, &e->sensitive,
                &e->n_sensitive));
    TRY(rd_strs(r, "group names", "group name", MAX_LEVELS, &e->group_names, &e->n_groups));
    if (r->minor >= FORMAT_MINOR_THRESHOLD && r->pos < r->end) {
        TRY(rd_str(r, "the score column", &e->score_column));
        TRY(rd_str(r, "the id column", &e->id_column));
        /* the empty string stands for none */
        if (!e->score_column[0]) {
            free(e->score_column);
            e->score_column = NULL;
        }
        if (!e->id_column[0]) {
            free(e->id_column);
            e->id_column = NULL;
        }
    }
    return FAIRC_OK;
}

static int rd_params(rd *r, fairc_predictor *p)
{
    size_t n;
    TRY(rd_count(r, "parameters", MAX_PARAMS, 8, &n));
    p->n_params = n;
    if (r->keep_params) {
        p->params = malloc((n ? n : 1) * sizeof *p->params);
        if (!p->params) return rd_nomem(r);
    }
    const uint8_t *b = r->b + r->pos;
    for (size_t k = 0; k < n; k++) {
        uint64_t u = le_at(b + 8 * k, 8);
        double v;
        memcpy(&v, &u, sizeof v);
        if (!isfinite(v))
            return rd_fail(r, FAIRC_EPARSE, r->pos + 8 * k,
                           "parameter %zu is %s, expected a finite number", k,
                           isnan(v) ? "NaN" : v > 0 ? "+inf" : "-inf");
        if (r->keep_params) p->params[k] = v;
    }
    r->pos += 8 * n;
    return FAIRC_OK;
}

static const char *model_kind_name(int kind)
{
    return kind == FAIRC_MODEL_LOGISTIC ? "logistic"
         : kind == FAIRC_MODEL_LINEAR   ? "linear"
         : kind == FAIRC_MODEL_MLP      ? "mlp"
                                        : "unknown";
}

static void hidden_list(char *dst, size_t cap, const size_t *h, size_t n)
{
    size_t used = (size_t)snprintf(dst, cap, "[");
    for (size_t l = 0; l < n && used < cap; l++)
        used += (size_t)snprintf(dst + used, cap - used, "%s%zu", l ? ", " : "", h[l]);
    if (used < cap) snprintf(dst + used, cap - used, "]");
}

static int rd_model(rd *r, const fairc_predictor *p, fairc_node *nd)
{
    size_t at = r->pos;
    unsigned kind;
    TRY(rd_u8(r, "the model kind", &kind));
    if (kind < FAIRC_MODEL_LOGISTIC || kind > FAIRC_MODEL_MLP)
        return rd_fail(r, FAIRC_EPARSE, at,
                       "model kind is %u, expected 1 (logistic), 2 (linear) or 3 (mlp)", kind);
    nd->model_kind = (int)kind;
    size_t at_hidden = r->pos, nh;
    TRY(rd_count(r, "hidden layers", MAX_HIDDEN, 8, &nh));
    if (kind != FAIRC_MODEL_MLP && nh)
        return rd_fail(r, FAIRC_EPARSE, at_hidden, "a %s model has no hidden layers, found %zu",
                       model_kind_name(nd->model_kind), nh);
    nd->hidden = calloc(nh ? nh : 1, sizeof *nd->hidden);
    if (!nd->hidden) return rd_nomem(r);
    nd->n_hidden = nh;
    for (size_t l = 0; l < nh; l++) {
        at = r->pos;
        uint64_t h;
        TRY(rd_u64(r, "a hidden layer size", &h));
        if (h == 0 || h > MAX_PARAMS)
            return rd_fail(r, FAIRC_EPARSE, at, "hidden layer %zu has %llu units, expected 1..2^31",
                           l, (unsigned long long)h);
        nd->hidden[l] = (size_t)h;
    }
    size_t at_params = r->pos;
    uint64_t offset, count;
    TRY(rd_u64(r, "the parameter offset", &offset));
    TRY(rd_u64(r, "the parameter count", &count));
    if (offset > p->n_params || count > p->n_params - offset)
        return rd_fail(r, FAIRC_EPARSE, at_params,
                       "parameters at offset %llu, count %llu lie outside the %zu of PARM",
                       (unsigned long long)offset, (unsigned long long)count, p->n_params);
    nd->param_offset = (size_t)offset;
    nd->param_count = (size_t)count;
    fairc_mlp m;
    const char *why = fairc_mlp_layout(&m, p->enc.D, nd->hidden, nh);
    char hl[128];
    hidden_list(hl, sizeof hl, nd->hidden, nh);
    if (why)
        return rd_fail(r, FAIRC_EPARSE, at_hidden, "a model of D = %zu inputs and hidden layers %s "
                       "is not possible: %s", p->enc.D, hl, why);
    if (count != m.count)
        return rd_fail(r, FAIRC_EPARSE, at_params + 8,
                       "the model has %llu parameters, expected %zu for D = %zu and hidden "
                       "layers %s", (unsigned long long)count, m.count, p->enc.D, hl);
    return FAIRC_OK;
}

static int rd_mixture(rd *r, const fairc_predictor *p, size_t i, fairc_node *nd)
{
    size_t at = r->pos, n;
    TRY(rd_count(r, "children", MAX_NODES, 16, &n));
    if (n == 0) return rd_fail(r, FAIRC_EPARSE, at, "a mixture needs at least one child");
    nd->children = calloc(n, sizeof *nd->children);
    nd->weights = calloc(n, sizeof *nd->weights);
    if (!nd->children || !nd->weights) return rd_nomem(r);
    nd->n_children = n;
    fairc_ksum sum = {0, 0};
    for (size_t c = 0; c < n; c++) {
        size_t at_child = r->pos;
        uint64_t child;
        double wt;
        TRY(rd_u64(r, "a child index", &child));
        TRY(rd_f64(r, "a child weight", &wt));
        if (child <= i || child >= p->n_nodes)
            return rd_fail(r, FAIRC_EPARSE, at_child,
                           "child %zu is node %llu, expected a node after %zu and before %zu",
                           c, (unsigned long long)child, i, p->n_nodes);
        if (!(wt >= 0 && wt <= 1))
            return rd_fail(r, FAIRC_EPARSE, at_child + 8,
                           "weight %zu is %.17g, expected a number in [0, 1]", c, wt);
        nd->children[c] = (size_t)child;
        nd->weights[c] = wt;
        fairc_ksum_add(&sum, wt);
    }
    double s = fairc_ksum_value(&sum);
    if (!(fabs(s - 1) <= WEIGHT_SUM_TOL))
        return rd_fail(r, FAIRC_EPARSE, at, "the mixture weights sum to %.17g, expected 1 (within "
                       "1e-9)", s);
    if (r->minor >= FORMAT_MINOR_VOTE && r->pos < r->end) { /* format 1.2: u8 vote */
        size_t at_vote = r->pos;
        unsigned vote;
        TRY(rd_u8(r, "the vote flag", &vote));
        if (vote > 1) return rd_fail(r, FAIRC_EPARSE, at_vote, "the vote flag is %u, expected 0 or 1", vote);
        nd->vote = (int)vote;
    }
    return FAIRC_OK;
}

/* rules: u64 n (<= 16; at least 1 unless may_be_empty) then n x (f64 prob, u8 op, f64 t). */
static int rd_rules(rd *r, fairc_rule *out, size_t *n_out, int may_be_empty, const char *what)
{
    size_t at = r->pos, n;
    TRY(rd_count(r, what, FAIRC_MAX_RULES, 17, &n));
    if (n == 0 && !may_be_empty) return rd_fail(r, FAIRC_EPARSE, at, "%s: none, expected 1 to 16", what);
    for (size_t k = 0; k < n; k++) {
        size_t at_rule = r->pos;
        unsigned op;
        TRY(rd_f64(r, "a rule's probability", &out[k].prob));
        TRY(rd_u8(r, "a rule's operator", &op));
        TRY(rd_f64(r, "a rule's threshold", &out[k].t));
        out[k].op = (int)op;
        if (!(out[k].prob >= 0 && out[k].prob <= 1))
            return rd_fail(r, FAIRC_EPARSE, at_rule, "%s: rule %zu: probability %.17g, expected a "
                           "number in [0, 1]", what, k, out[k].prob);
        if (op > FAIRC_RULE_ZERO)
            return rd_fail(r, FAIRC_EPARSE, at_rule + 8, "%s: rule %zu: operator %u, expected 0 (>), "
                           "1 (<), 2 (always 1) or 3 (always 0)", what, k, op);
        if (isnan(out[k].t))
            return rd_fail(r, FAIRC_EPARSE, at_rule + 9, "%s: rule %zu: the threshold is NaN", what, k);
    }
    if (n) {
        const char *why = fairc_rules_check(out, n);
        if (why) return rd_fail(r, FAIRC_EPARSE, at, "%s: %s", what, why);
    }
    *n_out = n;
    return FAIRC_OK;
}

static int rd_threshold(rd *r, const fairc_predictor *p, size_t i, fairc_node *nd)
{
    size_t at = r->pos;
    if (r->minor < FORMAT_MINOR_THRESHOLD)
        return rd_fail(r, FAIRC_EPARSE, at - 16, "THRESHOLD nodes need format version 1.%u or "
                       "later, the file says 1.%u", FORMAT_MINOR_THRESHOLD, r->minor);
    unsigned source, unseen;
    TRY(rd_u8(r, "the score source", &source));
    if (source > 1)
        return rd_fail(r, FAIRC_EPARSE, at, "score source is %u, expected 0 (score column) or 1 "
                       "(the base model)", source);
    if (source == 0 && !p->enc.score_column)
        return rd_fail(r, FAIRC_EPARSE, at, "the thresholds apply to a score column, but ENCD "
                       "names none");
    if (source == 1 && i + 1 >= p->n_nodes)
        return rd_fail(r, FAIRC_EPARSE, at, "the thresholds apply to a base model, but no node follows");
    at = r->pos;
    TRY(rd_u8(r, "the unseen-group policy", &unseen));
    if (unseen > FAIRC_UNSEEN_ONE)
        return rd_fail(r, FAIRC_EPARSE, at, "unseen-group policy is %u, expected 0..3", unseen);
    fairc_thresholds *t = calloc(1, sizeof *t);
    if (!t) return rd_nomem(r);
    nd->thr = t;
    t->unseen = (int)unseen;
    at = r->pos;
    TRY(rd_rules(r, t->pooled, &t->n_pooled, 1, "the pooled rules"));
    if (t->unseen == FAIRC_UNSEEN_POOLED && t->n_pooled == 0)
        return rd_fail(r, FAIRC_EPARSE, at, "the unseen-group policy is pooled, but there are no pooled rules");
    size_t G;
    at = r->pos;
    TRY(rd_count(r, "groups", MAX_LEVELS, MIN_RULES_BYTES, &G));
    if (G != p->enc.n_groups)
        return rd_fail(r, FAIRC_EPARSE, at, "%zu groups of rules, but ENCD names %zu groups", G,
                       p->enc.n_groups);
    /* rules: at most (bytes left) / 17 of them, so memory stays proportional to the file */
    size_t cap = (r->end - r->pos) / 17;
    t->first = malloc((G + 1) * sizeof *t->first);
    t->rules = malloc((cap ? cap : 1) * sizeof *t->rules);
    if (!t->first || !t->rules) return rd_nomem(r);
    t->G = G;
    t->first[0] = 0;
    for (size_t g = 0; g < G; g++) {
        char what[64];
        snprintf(what, sizeof what, "rules of group %zu", g);
        size_t n;
        fairc_rule tmp[FAIRC_MAX_RULES];
        TRY(rd_rules(r, tmp, &n, 0, what));
        if (t->first[g] + n > cap) return rd_fail(r, FAIRC_EPARSE, r->pos, "%s: more rules than bytes", what);
        memcpy(t->rules + t->first[g], tmp, n * sizeof *tmp);
        t->first[g + 1] = t->first[g] + n;
    }
    if (source == 1) {
        nd->children = malloc(sizeof *nd->children);
        if (!nd->children) return rd_nomem(r);
        nd->children[0] = i + 1;
        nd->n_children = 1;
    }
    return FAIRC_OK;
}

static int rd_node(rd *r, fairc_predictor *p, size_t i)
{
    fairc_node *nd = &p->nodes[i];
    snprintf(r->item, sizeof r->item, "node %zu", i);
    size_t at = r->pos;
    uint32_t type, reserved;
    uint64_t len;
    TRY(rd_u32(r, "the node type", &type));
    TRY(rd_u32(r, "the reserved field", &reserved));
    TRY(rd_u64(r, "the record length", &len));
    if (reserved)
        return rd_fail(r, FAIRC_EPARSE, at + 4, "reserved field is %lu, expected 0",
                       (unsigned long)reserved);
    if (len > r->end - r->pos)
        return rd_fail(r, FAIRC_EPARSE, at + 8,
                       "the record declares %llu bytes, but only %zu are left in the section",
                       (unsigned long long)len, r->end - r->pos);
    size_t outer_end = r->end;
    r->end = r->pos + (size_t)len;
    nd->type = (int)type;
    switch (type) {
    case FAIRC_NODE_MODEL: TRY(rd_model(r, p, nd)); break;
    case FAIRC_NODE_MIXTURE: TRY(rd_mixture(r, p, i, nd)); break;
    case FAIRC_NODE_CONSTANT: {
        size_t at_p = r->pos;
        TRY(rd_f64(r, "the probability", &nd->p));
        if (!(nd->p >= 0 && nd->p <= 1))
            return rd_fail(r, FAIRC_EPARSE, at_p, "constant p is %.17g, expected a number in [0, 1]",
                           nd->p);
        break;
    }
    case FAIRC_NODE_THRESHOLD: TRY(rd_threshold(r, p, i, nd)); break;
    default:
        nd->type = 0;
        return rd_fail(r, FAIRC_EPARSE, at, "unknown node type %lu", (unsigned long)type);
    }
    if (r->pos != r->end) {
        if (r->minor <= FORMAT_MINOR)
            return rd_fail(r, FAIRC_EPARSE, r->pos, "%zu unexpected bytes at the end of the record",
                           r->end - r->pos);
        r->pos = r->end; /* fields added by a later minor version */
    }
    r->end = outer_end;
    r->item[0] = 0;
    return FAIRC_OK;
}

/* The children lists form one tree in pre-order: node i's first child is i + 1 and each next
 * child starts where the previous child's subtree ends; every node belongs to the tree; depth
 * (nodes on the path from the root, root included) is at most MAX_DEPTH. */
static int check_tree(rd *r, const fairc_predictor *p, const size_t *rec_at, size_t *scratch)
{
    size_t n = p->n_nodes, *end = scratch, *depth = scratch + n;
    for (size_t i = n; i-- > 0;) {
        const fairc_node *nd = &p->nodes[i];
        size_t next = i + 1;
        if (nd->type == FAIRC_NODE_MIXTURE || nd->type == FAIRC_NODE_THRESHOLD)
            for (size_t c = 0; c < nd->n_children; c++) {
                if (nd->children[c] != next) {
                    snprintf(r->item, sizeof r->item, "node %zu", i);
                    return rd_fail(r, FAIRC_EPARSE, rec_at[i],
                                   "child %zu is node %zu, expected node %zu (children follow "
                                   "their parent in pre-order)", c, nd->children[c], next);
                }
                next = end[nd->children[c]];
            }
        end[i] = next;
    }
    if (end[0] != n) {
        snprintf(r->item, sizeof r->item, "node %zu", end[0]);
        return rd_fail(r, FAIRC_EPARSE, rec_at[end[0]], "node %zu is not in the tree of node 0",
                       end[0]);
    }
    depth[0] = 1;
    for (size_t i = 0; i < n; i++) {
        const fairc_node *nd = &p->nodes[i];
        if (nd->type != FAIRC_NODE_MIXTURE && nd->type != FAIRC_NODE_THRESHOLD) continue;
        for (size_t c = 0; c < nd->n_children; c++) {
            size_t child = nd->children[c];
            depth[child] = depth[i] + 1;
            if (depth[child] > MAX_DEPTH) {
                snprintf(r->item, sizeof r->item, "node %zu", child);
                return rd_fail(r, FAIRC_ELIMIT, rec_at[child],
                               "the tree is %zu nodes deep here, more than the cap of %u",
                               depth[child], MAX_DEPTH);
            }
        }
    }
    return FAIRC_OK;
}

static int rd_nodes(rd *r, fairc_predictor *p, size_t **scratch)
{
    size_t at = r->pos, n;
    TRY(rd_count(r, "nodes", MAX_NODES, MIN_NODE_BYTES, &n));
    if (n == 0) return rd_fail(r, FAIRC_EPARSE, at, "the tree has no nodes");
    p->nodes = calloc(n, sizeof *p->nodes);
    *scratch = malloc(3 * n * sizeof **scratch);
    if (!p->nodes || !*scratch) return rd_nomem(r);
    p->n_nodes = n;
    size_t *rec_at = *scratch;
    for (size_t i = 0; i < n; i++) {
        rec_at[i] = r->pos;
        TRY(rd_node(r, p, i));
    }
    return check_tree(r, p, rec_at, *scratch + n);
}

/* Where a known section lies in the file. */
typedef struct section {
    const char *tag;
    size_t at, start, len;
    int seen;
} section;

enum { SEC_META, SEC_ENCD, SEC_PARM, SEC_NODE, N_REQUIRED, SEC_MULT = N_REQUIRED, SEC_DIAG,
       N_SECTIONS };

/* f64 at the cursor that must be finite and satisfy ok (checked by the caller via the value). */
static int rd_f64_in(rd *r, const char *what, double lo, double hi, int lo_open, double *v)
{
    size_t at = r->pos;
    TRY(rd_f64(r, what, v));
    if (!isfinite(*v) || (lo_open ? !(*v > lo) : !(*v >= lo)) || !(*v <= hi))
        return rd_fail(r, FAIRC_EPARSE, at, "%s is %.17g, expected a number in %c%.17g, %.17g]",
                       what, *v, lo_open ? '(' : '[', lo, hi);
    return FAIRC_OK;
}

static int rd_u8_max(rd *r, const char *what, unsigned lo, unsigned hi, int *v)
{
    size_t at = r->pos;
    unsigned u;
    TRY(rd_u8(r, what, &u));
    if (u < lo || u > hi)
        return rd_fail(r, FAIRC_EPARSE, at, "%s is %u, expected %u..%u", what, u, lo, hi);
    *v = (int)u;
    return FAIRC_OK;
}

/* MULT: the record of fairness-aware training (see the top of this file). */
static int rd_mult(rd *r, fairc_predictor *p)
{
    if (r->minor < FORMAT_MINOR_MULT)
        return rd_fail(r, FAIRC_EPARSE, r->pos, "a MULT section needs format version 1.%u or "
                       "later, the file says 1.%u", FORMAT_MINOR_MULT, r->minor);
    fairc_fair_record *f = calloc(1, sizeof *f);
    if (!f) return rd_nomem(r);
    p->fair = f;
    const double big = 1e300;
    TRY(rd_u8_max(r, "the mitigation", FAIRC_MITIGATE_PENALTY, FAIRC_MITIGATE_CONSTRAINED, &f->mitigate));
    TRY(rd_u8_max(r, "the constraint", FAIRC_CONSTRAINT_DP, FAIRC_CONSTRAINT_ERROR_RATE, &f->constraint));
    TRY(rd_u8_max(r, "the groupings", FAIRC_GROUPS_INTERSECTION, FAIRC_GROUPS_BOTH, &f->groups));
    TRY(rd_u8_max(r, "the dual signal", FAIRC_DUAL_HARD, FAIRC_DUAL_SOFT, &f->dual_signal));
    TRY(rd_u8_max(r, "the selection", FAIRC_SELECT_BEST, FAIRC_SELECT_LAST, &f->select));
    TRY(rd_f64_in(r, "eps", 0, big, 0, &f->eps));
    TRY(rd_f64_in(r, "the ratio r", 0, 1, 1, &f->r));
    TRY(rd_f64_in(r, "alpha", 0, big, 0, &f->alpha));
    size_t at = r->pos;
    TRY(rd_f64_in(r, "the exponent p", 0, big, 0, &f->p_norm));
    if (f->p_norm == 0) f->p_norm = INFINITY;
    else if (f->p_norm < 1)
        return rd_fail(r, FAIRC_EPARSE, at, "the exponent p is %.17g, expected >= 1 (or 0 for "
                       "infinity)", f->p_norm);
    TRY(rd_f64_in(r, "the tolerance", 0, big, 0, &f->tol));
    TRY(rd_f64_in(r, "the momentum", 0, 1, 0, &f->momentum));
    if (f->momentum == 1)
        return rd_fail(r, FAIRC_EPARSE, r->pos - 8, "the momentum is 1, expected a number in [0, 1)");
    TRY(rd_f64_in(r, "the dual step", 0, big, 0, &f->eta));
    TRY(rd_f64_in(r, "lambda_max", 0, big, 0, &f->lambda_max));
    TRY(rd_u64(r, "the step count", &f->steps));
    TRY(rd_u64(r, "the selected epoch", &f->selected_epoch));
    TRY(rd_f64_in(r, "the violation", -big, big, 0, &f->violation));
    TRY(rd_f64_in(r, "the soft violation", -big, big, 0, &f->violation_soft));
    TRY(rd_f64_in(r, "the disparity", -1, big, 0, &f->disparity));
    if (f->disparity < 0) {
        if (f->disparity != -1)
            return rd_fail(r, FAIRC_EPARSE, r->pos - 8, "the disparity is %.17g, expected >= 0 "
                           "or -1 (undefined)", f->disparity);
        f->disparity = NAN;
    }
    size_t K;
    TRY(rd_count(r, "constraints", MAX_CONSTRAINTS, 20, &K));
    f->names = calloc(K ? K : 1, sizeof *f->names);
    f->lambda = calloc(K ? K : 1, sizeof *f->lambda);
    f->gamma = calloc(K ? K : 1, sizeof *f->gamma);
    if (!f->names || !f->lambda || !f->gamma) return rd_nomem(r);
    f->K = K;
    for (size_t k = 0; k < K; k++) {
        snprintf(r->item, sizeof r->item, "constraint %zu", k);
        TRY(rd_str(r, "the name", &f->names[k]));
        TRY(rd_f64_in(r, "the multiplier", 0, f->lambda_max, 0, &f->lambda[k]));
        TRY(rd_f64_in(r, "the value", -big, big, 0, &f->gamma[k]));
    }
    r->item[0] = 0;
    size_t R;
    TRY(rd_count(r, "running sums", MAX_CONSTRAINTS, 24, &R));
    f->run_D = calloc(R ? R : 1, sizeof *f->run_D);
    f->run_soft = calloc(R ? R : 1, sizeof *f->run_soft);
    f->run_hard = calloc(R ? R : 1, sizeof *f->run_hard);
    if (!f->run_D || !f->run_soft || !f->run_hard) return rd_nomem(r);
    f->n_running = R;
    for (size_t k = 0; k < R; k++) {
        snprintf(r->item, sizeof r->item, "running sum %zu", k);
        TRY(rd_f64_in(r, "the weight", 0, big, 0, &f->run_D[k]));
        TRY(rd_f64_in(r, "the soft sum", -big, big, 0, &f->run_soft[k]));
        TRY(rd_f64_in(r, "the hard sum", -big, big, 0, &f->run_hard[k]));
    }
    r->item[0] = 0;
    return FAIRC_OK;
}

static int rd_section(rd *r, fairc_predictor *p, const section *s, int which)
{
    r->sec = s->tag;
    r->item[0] = 0;
    r->pos = s->start;
    r->end = s->start + s->len;
    if (which == SEC_META) TRY(rd_meta(r, &p->meta));
    else if (which == SEC_ENCD) TRY(rd_encoder(r, &p->enc));
    else if (which == SEC_PARM) TRY(rd_params(r, p));
    else if (which == SEC_MULT) TRY(rd_mult(r, p));
    else if (which == SEC_DIAG) {
        size_t at = 0;
        char msg[160];
        int rc = fairc_red_record_read(r->b + r->pos, r->end - r->pos, p->n_nodes, &p->red, &at,
                                       msg, sizeof msg);
        if (rc != FAIRC_OK) return rd_fail(r, rc, r->pos + at, "%s", msg);
        r->pos = r->end;
    } else {
        size_t *scratch = NULL;
        int rc = rd_nodes(r, p, &scratch);
        free(scratch);
        TRY(rc);
    }
    r->item[0] = 0;
    if (r->pos != r->end && r->minor <= (which == SEC_MULT ? FORMAT_MINOR_MULT : FORMAT_MINOR))
        return rd_fail(r, FAIRC_EPARSE, r->pos, "%zu unexpected bytes at the end of the section",
                       r->end - r->pos);
    r->sec = NULL;
    return FAIRC_OK;
}

static int tag_ok(const uint8_t *t)
{
    int letter = (t[0] >= 'A' && t[0] <= 'Z') || (t[0] >= 'a' && t[0] <= 'z');
    for (int k = 0; k < 4; k++)
        if (t[k] < 0x21 || t[k] > 0x7e) return 0;
    return letter;
}

static int scan_sections(rd *r, size_t body_end, section *secs)
{
    size_t pos = HEADER_BYTES;
    while (pos < body_end) {
        size_t left = body_end - pos;
        if (left < SECTION_HEADER_BYTES)
            return rd_fail(r, FAIRC_EPARSE, pos, "a section header is cut short (16 bytes needed, "
                           "%zu left)", left);
        const uint8_t *t = r->b + pos;
        if (!tag_ok(t))
            return rd_fail(r, FAIRC_EPARSE, pos, "section tag %02x %02x %02x %02x is not 4 "
                           "printable ASCII characters starting with a letter",
                           t[0], t[1], t[2], t[3]);
        uint32_t reserved = (uint32_t)le_at(t + 4, 4);
        uint64_t len = le_at(t + 8, 8);
        if (reserved)
            return rd_fail(r, FAIRC_EPARSE, pos + 4, "section %.4s: reserved field is %lu, "
                           "expected 0", (const char *)t, (unsigned long)reserved);
        if (len > left - SECTION_HEADER_BYTES)
            return rd_fail(r, FAIRC_EPARSE, pos + 8, "section %.4s declares %llu bytes, but only "
                           "%zu are left in the body", (const char *)t, (unsigned long long)len,
                           left - SECTION_HEADER_BYTES);
        int known = 0;
        for (int k = 0; k < N_SECTIONS; k++) {
            if (memcmp(t, secs[k].tag, 4) != 0) continue;
            known = 1;
            if (secs[k].seen)
                return rd_fail(r, FAIRC_EPARSE, pos, "section %s appears twice (first at byte %zu)",
                               secs[k].tag, secs[k].at);
            secs[k].seen = 1;
            secs[k].at = pos;
            secs[k].start = pos + SECTION_HEADER_BYTES;
            secs[k].len = (size_t)len;
        }
        if (!known && t[0] >= 'A' && t[0] <= 'Z')
            return rd_fail(r, FAIRC_EPARSE, pos, "unknown critical section %.4s (written by a "
                           "newer fairc?)", (const char *)t);
        /* Unknown optional sections (lower-case first letter) are skipped. */
        pos += SECTION_HEADER_BYTES + (size_t)len;
    }
    for (int k = 0; k < N_REQUIRED; k++)
        if (!secs[k].seen)
            return rd_fail(r, FAIRC_EPARSE, body_end, "the required section %s is missing",
                           secs[k].tag);
    return FAIRC_OK;
}

/* Checks and parses a whole file; see the top of this file for the order of the checks. On
 * success with out != NULL, *out is the new predictor; with out == NULL (and keep_params 0)
 * the file is only checked. */
static int parse(const uint8_t *b, size_t n, const char *name, int keep_params,
                 fairc_predictor **out, fairc_status *st)
{
    rd r;
    memset(&r, 0, sizeof r);
    r.b = b;
    r.name = name;
    r.keep_params = keep_params;
    r.st = st;
    if (n < MIN_FILE_BYTES)
        return rd_fail(&r, FAIRC_EPARSE, 0, "the file is %zu bytes long, too short for a fairc "
                       "model (at least %u)", n, MIN_FILE_BYTES);
    if (memcmp(b, "FAIRCMOD", 8) != 0)
        return rd_fail(&r, FAIRC_EPARSE, 0, "not a fairc model file (it does not start with "
                       "FAIRCMOD)");
    unsigned major = (unsigned)le_at(b + 8, 2), minor = (unsigned)le_at(b + 10, 2);
    if (major != FORMAT_MAJOR)
        return rd_fail(&r, FAIRC_EPARSE, 8, "format version %u.%u is not supported (this fairc "
                       "reads version %u.x)", major, minor, FORMAT_MAJOR);
    uint64_t body = le_at(b + 16, 8);
    if (body > MAX_BODY_BYTES)
        return rd_fail(&r, FAIRC_ELIMIT, 16, "the body length %llu is more than the cap of 1 GiB",
                       (unsigned long long)body);
    if (body != n - MIN_FILE_BYTES)
        return rd_fail(&r, FAIRC_EPARSE, 16, "the body length %llu does not match the file size "
                       "%zu (expected a file of %llu bytes)", (unsigned long long)body, n,
                       (unsigned long long)body + MIN_FILE_BYTES);
    size_t body_end = HEADER_BYTES + (size_t)body;
    uint32_t stored = (uint32_t)le_at(b + body_end, 4), computed = fairc_crc32(0, b, body_end);
    if (stored != computed)
        return rd_fail(&r, FAIRC_EPARSE, body_end, "CRC-32 mismatch (stored 0x%08lx, computed "
                       "0x%08lx): the file is damaged", (unsigned long)stored,
                       (unsigned long)computed);
    uint32_t flags = (uint32_t)le_at(b + 12, 4);
    if (flags)
        return rd_fail(&r, FAIRC_EPARSE, 12, "flags are 0x%08lx, expected 0 (written by a newer "
                       "fairc?)", (unsigned long)flags);
    r.minor = minor;
    section secs[N_SECTIONS] = {{"META", 0, 0, 0, 0}, {"ENCD", 0, 0, 0, 0},
                                {"PARM", 0, 0, 0, 0}, {"NODE", 0, 0, 0, 0},
                                {"MULT", 0, 0, 0, 0}, {"diag", 0, 0, 0, 0}};
    TRY(scan_sections(&r, body_end, secs));
    fairc_predictor *p = calloc(1, sizeof *p);
    if (!p) return rd_nomem(&r);
    int rc = FAIRC_OK;
    /* ENCD gives D and PARM the parameter count, which NODE checks against. */
    for (int k = 0; k < N_SECTIONS && rc == FAIRC_OK; k++)
        if (secs[k].seen) rc = rd_section(&r, p, &secs[k], k);
    if (rc != FAIRC_OK || !out) {
        fairc_predictor_free(&p);
        return rc;
    }
    *out = p;
    return FAIRC_OK;
}

FAIRC_API int fairc_predictor_load_memory(const void *bytes, size_t n_bytes, const char *name,
                                          fairc_predictor **out, fairc_status *st)
{
    if (out) *out = NULL;
    if (!out || (!bytes && n_bytes))
        return fairc_fail(st, FAIRC_EINVAL, "fairc_predictor_load_memory: NULL argument");
    static const uint8_t empty[1] = {0};
    return parse(bytes ? bytes : empty, n_bytes, name ? name : "model", 1, out, st);
}

FAIRC_API int fairc_predictor_load(const char *path, fairc_predictor **out, fairc_status *st)
{
    if (out) *out = NULL;
    if (!path || !out) return fairc_fail(st, FAIRC_EINVAL, "fairc_predictor_load: NULL argument");
    FILE *f = fopen(path, "rb");
    if (!f) return fairc_fail_errno(st, FAIRC_EIO, path, "cannot open");
    /* Read at most one byte past the largest valid file, so a huge or endless input (a pipe,
     * /dev/zero) costs at most that much memory and ends in a clean error. */
    const size_t cap = (size_t)MAX_BODY_BYTES + MIN_FILE_BYTES;
    size_t len = 0, size = 1 << 16;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        if ((uint64_t)sb.st_size > cap) {
            fclose(f);
            return fairc_fail(st, FAIRC_ELIMIT, "%.200s: byte 0: the file is %llu bytes long, "
                              "more than a model file can be (1 GiB + %u)", path,
                              (unsigned long long)sb.st_size, MIN_FILE_BYTES);
        }
        size = (size_t)sb.st_size + 1;
    }
    uint8_t *buf = malloc(size);
    int rc = buf ? FAIRC_OK : fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", path);
    while (rc == FAIRC_OK) {
        if (len == size) {
            if (size > cap) {
                rc = fairc_fail(st, FAIRC_ELIMIT, "%.200s: byte %zu: the file is longer than a "
                                "model file can be (1 GiB + %u)", path, cap, MIN_FILE_BYTES);
                break;
            }
            size_t bigger = size < cap / 2 ? 2 * size : cap + 1;
            uint8_t *q = realloc(buf, bigger);
            if (!q) {
                rc = fairc_fail(st, FAIRC_ENOMEM, "%.200s: out of memory", path);
                break;
            }
            buf = q;
            size = bigger;
        }
        size_t got = fread(buf + len, 1, size - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) rc = fairc_fail_errno(st, FAIRC_EIO, path, "cannot read");
            break;
        }
    }
    fclose(f);
    if (rc == FAIRC_OK) rc = parse(buf, len, path, 1, out, st);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Describing                                                                                  */

/* Text output shows names from the file, which may hold anything: control bytes become \xNN
 * so that `fairc inspect` cannot be made to write terminal escape sequences. */
static void text_str(fairc_buf *b, const char *s)
{
    if (!s) {
        fairc_buf_puts(b, "(none)");
        return;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) fairc_buf_printf(b, "\\x%02x", c);
        else fairc_buf_add(b, s, 1);
    }
}

static void text_quoted_list(fairc_buf *b, char *const *s, size_t n, size_t show)
{
    for (size_t k = 0; k < n && k < show; k++) {
        fairc_buf_puts(b, k ? ", \"" : "\"");
        text_str(b, s ? s[k] : NULL);
        fairc_buf_puts(b, "\"");
    }
    if (n > show) fairc_buf_printf(b, ", ... (%zu in all)", n);
}

static const char *unseen_name(int unseen)
{
    return unseen == FAIRC_UNSEEN_POOLED ? "pooled" : unseen == FAIRC_UNSEEN_ZERO ? "0"
         : unseen == FAIRC_UNSEEN_ONE    ? "1"
                                         : "error";
}

static void text_node(fairc_buf *b, const fairc_predictor *p, size_t i, unsigned depth,
                      size_t *shown)
{
    const size_t max_shown = 200;
    if (i >= p->n_nodes || depth > 64) {
        fairc_buf_puts(b, "(invalid node)\n");
        return;
    }
    if (++*shown > max_shown) return;
    const fairc_node *n = &p->nodes[i];
    if (n->type == FAIRC_NODE_MODEL) {
        fairc_buf_printf(b, "model %s", model_kind_name(n->model_kind));
        if (n->model_kind == FAIRC_MODEL_MLP) {
            char hl[128];
            hidden_list(hl, sizeof hl, n->hidden, n->n_hidden);
            fairc_buf_printf(b, " hidden %s", hl);
        }
        fairc_buf_printf(b, ", %zu parameters at %zu\n", n->param_count, n->param_offset);
    } else if (n->type == FAIRC_NODE_CONSTANT) {
        fairc_buf_printf(b, "constant p = %.17g\n", n->p);
    } else if (n->type == FAIRC_NODE_MIXTURE) {
        const char *how = !n->vote ? ""
                          : p->enc.task == FAIRC_TASK_REGRESSION ? " (one member per row; --expected: their mean)"
                                                                 : " (hard decisions)";
        fairc_buf_printf(b, "mixture of %zu%s\n", n->n_children, how);
        for (size_t c = 0; c < n->n_children; c++) {
            if (*shown >= max_shown) {
                fairc_buf_printf(b, "%*s... (%zu nodes in all)\n", 2 * (int)depth + 6, "",
                                 p->n_nodes);
                return;
            }
            fairc_buf_printf(b, "%*sweight %-8.6g ", 2 * (int)depth + 6, "", n->weights[c]);
            if (n->children[c] <= i) fairc_buf_puts(b, "(invalid child)\n");
            else text_node(b, p, n->children[c], depth + 1, shown);
        }
    } else if (n->type == FAIRC_NODE_THRESHOLD && n->thr) {
        const fairc_thresholds *t = n->thr;
        fairc_buf_puts(b, "thresholds on ");
        if (n->n_children) fairc_buf_puts(b, "the base model's probability");
        else {
            fairc_buf_puts(b, "score column '");
            text_str(b, p->enc.score_column);
            fairc_buf_puts(b, "'");
        }
        fairc_buf_printf(b, ", %zu groups, unseen groups: %s\n", t->G, unseen_name(t->unseen));
        for (size_t g = 0; g <= t->G && g < 21; g++) {
            int pooled = g == t->G || g == 20;
            if (pooled && g < t->G) fairc_buf_printf(b, "%*s... (%zu groups in all)\n", 2 * (int)depth + 6, "", t->G);
            if (pooled && t->n_pooled == 0) break;
            fairc_buf_printf(b, "%*s", 2 * (int)depth + 6, "");
            if (pooled) fairc_buf_puts(b, "(pooled)");
            else text_str(b, g < p->enc.n_groups ? p->enc.group_names[g] : "?");
            fairc_buf_puts(b, ":");
            const fairc_rule *r = pooled ? t->pooled : t->rules + t->first[g];
            size_t nr = pooled ? t->n_pooled : t->first[g + 1] - t->first[g];
            for (size_t k = 0; k < nr; k++) {
                fairc_buf_printf(b, "%s %.6g x ", k ? " +" : "", r[k].prob);
                if (r[k].op == FAIRC_RULE_ONE) fairc_buf_puts(b, "[1]");
                else if (r[k].op == FAIRC_RULE_ZERO) fairc_buf_puts(b, "[0]");
                else fairc_buf_printf(b, "[score %c %.17g]", r[k].op == FAIRC_RULE_GT ? '>' : '<', r[k].t);
            }
            fairc_buf_puts(b, "\n");
            if (pooled) break;
        }
        if (n->n_children == 1 && n->children[0] > i) {
            fairc_buf_printf(b, "%*sbase: ", 2 * (int)depth + 6, "");
            text_node(b, p, n->children[0], depth + 1, shown);
        }
    } else {
        fairc_buf_printf(b, "node of type %d\n", n->type);
    }
}

static void describe_text(fairc_buf *b, const fairc_predictor *p)
{
    const fairc_meta *m = &p->meta;
    const fairc_encoder *e = &p->enc;
    char hex[65];
    fairc_sha256_hex(m->train_sha256, hex);
    fairc_buf_puts(b, "fairc predictor, written by fairc ");
    text_str(b, m->version);
    fairc_buf_puts(b, "\ncommand:        ");
    text_str(b, m->command);
    fairc_buf_puts(b, "\ntraining file:  ");
    text_str(b, m->train_file);
    fairc_buf_printf(b, "\n  sha256:       %s\n  rows:         %llu\n", hex,
                     (unsigned long long)m->train_rows);
    fairc_buf_printf(b, "task:           %s\nlabel:          ",
                     e->task == FAIRC_TASK_REGRESS ? "regression" : "classification");
    text_str(b, e->label);
    if (e->task != FAIRC_TASK_REGRESS) {
        fairc_buf_puts(b, "\npositive:       ");
        if (e->n_pos_labels) text_quoted_list(b, e->pos_labels, e->n_pos_labels, 20);
        else fairc_buf_puts(b, "1 (the label is 0/1, -1/1 or false/true)");
    }
    fairc_buf_puts(b, "\nmissing values: ");
    if (e->na_values) text_quoted_list(b, e->na_values, e->n_na_values, 20);
    else fairc_buf_puts(b, "the defaults (\"\", \"?\", \"NA\", \"NaN\")");
    fairc_buf_printf(b, "\nfeatures:       %zu columns, D = %zu encoded\n", e->n_features, e->D);
    const size_t show_features = 50;
    for (size_t k = 0; k < e->n_features && k < show_features; k++) {
        const fairc_feature *f = &e->features[k];
        size_t width = f->kind == FAIRC_FEAT_CATEGORICAL ? f->n_levels : 1u + !!f->has_indicator;
        char cols[48];
        if (width == 1) snprintf(cols, sizeof cols, "[%zu]", f->offset);
        else snprintf(cols, sizeof cols, "[%zu..%zu]", f->offset, f->offset + width - 1);
        fairc_buf_printf(b, "  %-14s ", cols);
        text_str(b, f->column);
        if (f->kind == FAIRC_FEAT_CATEGORICAL) {
            fairc_buf_printf(b, ": categorical, %zu levels: ", f->n_levels);
            text_quoted_list(b, f->levels, f->n_levels, 8);
        } else {
            fairc_buf_printf(b, ": numeric, mean %.6g, sd %.6g%s", f->mean, f->sd,
                             f->has_indicator ? ", missing indicator" : "");
        }
        fairc_buf_puts(b, "\n");
    }
    if (e->n_features > show_features)
        fairc_buf_printf(b, "  ... (%zu features in all)\n", e->n_features);
    fairc_buf_puts(b, "sensitive:      ");
    if (e->n_sensitive) text_quoted_list(b, e->sensitive, e->n_sensitive, 20);
    else fairc_buf_puts(b, "(none)");
    fairc_buf_printf(b, "\ngroups:         %zu", e->n_groups);
    if (e->n_groups) {
        fairc_buf_puts(b, ": ");
        text_quoted_list(b, e->group_names, e->n_groups, 20);
    }
    fairc_buf_printf(b, "\ntree:           %zu node%s\n    ", p->n_nodes, p->n_nodes == 1 ? "" : "s");
    size_t shown = 0;
    if (p->n_nodes) text_node(b, p, 0, 0, &shown);
    else fairc_buf_puts(b, "(empty)\n");
    fairc_buf_printf(b, "parameters:     %zu\n", p->n_params);
    if (p->red) fairc_red_record_describe(p->red, 0, b);
    const fairc_fair_record *f = p->fair;
    if (!f) return;
    static const char *const groupings[] = {"intersection", "marginal", "both"};
    const char *cname = fairc_constraint_name(f->constraint);
    if (f->mitigate == FAIRC_MITIGATE_PENALTY)
        fairc_buf_printf(b, "fairness:       penalty %s, alpha %.6g, p %.6g, tol %.6g", cname,
                         f->alpha, f->p_norm, f->tol);
    else
        fairc_buf_printf(b, "fairness:       constrained %s, eps %.6g, dual step %.6g, lambda_max "
                         "%.6g, %s signal, select %s", cname, f->eps, f->eta, f->lambda_max,
                         f->dual_signal == FAIRC_DUAL_SOFT ? "soft" : "hard",
                         f->select == FAIRC_SELECT_LAST ? "last" : "best");
    if (f->r != 1) fairc_buf_printf(b, ", ratio bound %.6g", f->r);
    if (f->momentum > 0) fairc_buf_printf(b, ", momentum %.6g", f->momentum);
    fairc_buf_printf(b, "; groups: %s\n", groupings[f->groups]);
    fairc_buf_printf(b, "  training:     %llu steps, epoch %llu kept; V = %.6g (hard), %.6g (soft); "
                     "disparity %.6g\n", (unsigned long long)f->steps,
                     (unsigned long long)f->selected_epoch, f->violation, f->violation_soft,
                     f->disparity);
    fairc_buf_printf(b, "  constraints:  %zu (gamma on the training rows, lambda)\n", f->K);
    const size_t show = 200;
    for (size_t k = 0; k < f->K && k < show; k++) {
        fairc_buf_puts(b, "    ");
        text_str(b, f->names[k]);
        fairc_buf_printf(b, ": %.6g, %.6g\n", f->gamma[k], f->lambda[k]);
    }
    if (f->K > show) fairc_buf_printf(b, "    ... (%zu in all)\n", f->K);
}

static void json_str(fairc_buf *b, const char *s)
{
    if (!s) {
        fairc_buf_puts(b, "null");
        return;
    }
    fairc_buf_puts(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fairc_buf_printf(b, "\\%c", c);
        else if (c == '\n') fairc_buf_puts(b, "\\n");
        else if (c == '\t') fairc_buf_puts(b, "\\t");
        else if (c == '\r') fairc_buf_puts(b, "\\r");
        else if (c < 0x20 || c == 0x7f) fairc_buf_printf(b, "\\u%04x", c);
        else fairc_buf_add(b, s, 1);
    }
    fairc_buf_puts(b, "\"");
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v (0.3, not 0.29999999999999999). */
static void json_num(fairc_buf *b, double v)
{
    if (!isfinite(v)) {
        fairc_buf_puts(b, "null");
        return;
    }
    char tmp[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(tmp, sizeof tmp, "%.*g", digits, v);
        if (strtod(tmp, NULL) == v) break;
    }
    fairc_buf_puts(b, tmp);
}

/* [{"p": 0.5, "op": ">", "t": 0.25}, ...]; thresholds +-inf as the strings "inf", "-inf". */
static void json_rules(fairc_buf *b, const fairc_rule *r, size_t n)
{
    fairc_buf_puts(b, "[");
    for (size_t k = 0; k < n; k++) {
        fairc_buf_puts(b, k ? ", {\"p\": " : "{\"p\": ");
        json_num(b, r[k].prob);
        static const char *const ops[] = {">", "<", "1", "0"};
        fairc_buf_printf(b, ", \"op\": \"%s\"", ops[r[k].op & 3]);
        if (r[k].op == FAIRC_RULE_GT || r[k].op == FAIRC_RULE_LT) {
            fairc_buf_puts(b, ", \"t\": ");
            if (isinf(r[k].t)) fairc_buf_puts(b, r[k].t > 0 ? "\"inf\"" : "\"-inf\"");
            else json_num(b, r[k].t);
        }
        fairc_buf_puts(b, "}");
    }
    fairc_buf_puts(b, "]");
}

static void json_strs(fairc_buf *b, char *const *s, size_t n)
{
    fairc_buf_puts(b, "[");
    for (size_t k = 0; k < n; k++) {
        if (k) fairc_buf_puts(b, ", ");
        json_str(b, s ? s[k] : NULL);
    }
    fairc_buf_puts(b, "]");
}

static void describe_json(fairc_buf *b, const fairc_predictor *p)
{
    const fairc_meta *m = &p->meta;
    const fairc_encoder *e = &p->enc;
    char hex[65];
    fairc_sha256_hex(m->train_sha256, hex);
    fairc_buf_printf(b, "{\n  \"format\": \"fairc-model/%u.%u\",\n  \"fairc_version\": ",
                     FORMAT_MAJOR, format_minor(p));
    json_str(b, m->version);
    fairc_buf_puts(b, ",\n  \"command\": ");
    json_str(b, m->command);
    fairc_buf_puts(b, ",\n  \"train_file\": ");
    json_str(b, m->train_file);
    fairc_buf_printf(b, ",\n  \"train_sha256\": \"%s\",\n  \"train_rows\": %llu,\n", hex,
                     (unsigned long long)m->train_rows);
    fairc_buf_printf(b, "  \"task\": \"%s\",\n  \"label\": ",
                     e->task == FAIRC_TASK_REGRESS ? "regression" : "classification");
    json_str(b, e->label);
    fairc_buf_puts(b, ",\n  \"pos_labels\": ");
    json_strs(b, e->pos_labels, e->n_pos_labels);
    fairc_buf_puts(b, ",\n  \"na_values\": ");
    if (e->na_values) json_strs(b, e->na_values, e->n_na_values);
    else fairc_buf_puts(b, "null");
    fairc_buf_printf(b, ",\n  \"D\": %zu,\n  \"features\": [", e->D);
    for (size_t k = 0; k < e->n_features; k++) {
        const fairc_feature *f = &e->features[k];
        fairc_buf_puts(b, k ? ",\n    {\"column\": " : "\n    {\"column\": ");
        json_str(b, f->column);
        if (f->kind == FAIRC_FEAT_CATEGORICAL) {
            fairc_buf_printf(b, ", \"kind\": \"categorical\", \"offset\": %zu, \"width\": %zu, "
                             "\"levels\": ", f->offset, f->n_levels);
            json_strs(b, f->levels, f->n_levels);
        } else {
            fairc_buf_printf(b, ", \"kind\": \"numeric\", \"offset\": %zu, \"width\": %d, "
                             "\"mean\": ", f->offset, f->has_indicator ? 2 : 1);
            json_num(b, f->mean);
            fairc_buf_puts(b, ", \"sd\": ");
            json_num(b, f->sd);
            fairc_buf_printf(b, ", \"missing_indicator\": %s", f->has_indicator ? "true" : "false");
        }
        fairc_buf_puts(b, "}");
    }
    fairc_buf_puts(b, e->n_features ? "\n  ],\n  \"sensitive\": " : "],\n  \"sensitive\": ");
    json_strs(b, e->sensitive, e->n_sensitive);
    fairc_buf_puts(b, ",\n  \"groups\": ");
    json_strs(b, e->group_names, e->n_groups);
    if (e->score_column || e->id_column) {
        fairc_buf_puts(b, ",\n  \"score_column\": ");
        json_str(b, e->score_column);
        fairc_buf_puts(b, ",\n  \"id_column\": ");
        json_str(b, e->id_column);
    }
    fairc_buf_puts(b, ",\n  \"nodes\": [");
    for (size_t i = 0; i < p->n_nodes; i++) {
        const fairc_node *n = &p->nodes[i];
        fairc_buf_printf(b, "%s\n    {\"index\": %zu, ", i ? "," : "", i);
        if (n->type == FAIRC_NODE_MODEL) {
            fairc_buf_printf(b, "\"type\": \"model\", \"model\": \"%s\", \"hidden\": [",
                             model_kind_name(n->model_kind));
            for (size_t l = 0; l < n->n_hidden; l++)
                fairc_buf_printf(b, "%s%zu", l ? ", " : "", n->hidden[l]);
            fairc_buf_printf(b, "], \"param_offset\": %zu, \"param_count\": %zu}",
                             n->param_offset, n->param_count);
        } else if (n->type == FAIRC_NODE_MIXTURE) {
            fairc_buf_puts(b, "\"type\": \"mixture\", \"children\": [");
            for (size_t c = 0; c < n->n_children; c++)
                fairc_buf_printf(b, "%s%zu", c ? ", " : "", n->children[c]);
            fairc_buf_puts(b, "], \"weights\": [");
            for (size_t c = 0; c < n->n_children; c++) {
                if (c) fairc_buf_puts(b, ", ");
                json_num(b, n->weights[c]);
            }
            fairc_buf_puts(b, n->vote ? "], \"vote\": true}" : "]}");
        } else if (n->type == FAIRC_NODE_CONSTANT) {
            fairc_buf_puts(b, "\"type\": \"constant\", \"p\": ");
            json_num(b, n->p);
            fairc_buf_puts(b, "}");
        } else if (n->type == FAIRC_NODE_THRESHOLD && n->thr) {
            const fairc_thresholds *t = n->thr;
            fairc_buf_printf(b, "\"type\": \"threshold\", \"source\": ");
            if (n->n_children) fairc_buf_printf(b, "\"base\", \"children\": [%zu]", n->children[0]);
            else json_str(b, e->score_column);
            fairc_buf_printf(b, ", \"unseen\": \"%s\", \"pooled\": ", unseen_name(t->unseen));
            json_rules(b, t->pooled, t->n_pooled);
            fairc_buf_puts(b, ", \"rules\": [");
            for (size_t g = 0; g < t->G; g++) {
                if (g) fairc_buf_puts(b, ", ");
                json_rules(b, t->rules + t->first[g], t->first[g + 1] - t->first[g]);
            }
            fairc_buf_puts(b, "]}");
        } else {
            fairc_buf_printf(b, "\"type\": %d}", n->type);
        }
    }
    fairc_buf_printf(b, "%s],\n  \"n_params\": %zu", p->n_nodes ? "\n  " : "", p->n_params);
    const fairc_fair_record *f = p->fair;
    if (f) {
        static const char *const groupings[] = {"intersection", "marginal", "both"};
        fairc_buf_printf(b, ",\n  \"fairness\": {\"mitigate\": \"%s\", \"constraint\": \"%s\", "
                         "\"groups\": \"%s\", \"eps\": ",
                         f->mitigate == FAIRC_MITIGATE_PENALTY ? "penalty" : "constrained",
                         fairc_constraint_name(f->constraint), groupings[f->groups]);
        json_num(b, f->eps);
        fairc_buf_puts(b, ", \"ratio_bound\": ");
        json_num(b, f->r);
        if (f->mitigate == FAIRC_MITIGATE_PENALTY) {
            fairc_buf_puts(b, ", \"alpha\": ");
            json_num(b, f->alpha);
            fairc_buf_puts(b, ", \"p_norm\": ");
            if (isinf(f->p_norm)) fairc_buf_puts(b, "\"inf\"");
            else json_num(b, f->p_norm);
            fairc_buf_puts(b, ", \"tol\": ");
            json_num(b, f->tol);
        } else {
            fairc_buf_puts(b, ", \"dual_lr\": ");
            json_num(b, f->eta);
            fairc_buf_puts(b, ", \"lambda_max\": ");
            json_num(b, f->lambda_max);
            fairc_buf_printf(b, ", \"dual_signal\": \"%s\", \"select\": \"%s\"",
                             f->dual_signal == FAIRC_DUAL_SOFT ? "soft" : "hard",
                             f->select == FAIRC_SELECT_LAST ? "last" : "best");
        }
        fairc_buf_puts(b, ", \"momentum\": ");
        json_num(b, f->momentum);
        fairc_buf_printf(b, ", \"steps\": %llu, \"selected_epoch\": %llu,\n    \"train_violation\": ",
                         (unsigned long long)f->steps, (unsigned long long)f->selected_epoch);
        json_num(b, f->violation);
        fairc_buf_puts(b, ", \"train_violation_soft\": ");
        json_num(b, f->violation_soft);
        fairc_buf_puts(b, ", \"train_disparity\": ");
        json_num(b, f->disparity);
        fairc_buf_puts(b, ",\n    \"constraints\": [");
        for (size_t k = 0; k < f->K; k++) {
            fairc_buf_puts(b, k ? ",\n      {\"name\": " : "\n      {\"name\": ");
            json_str(b, f->names[k]);
            fairc_buf_puts(b, ", \"gamma\": ");
            json_num(b, f->gamma[k]);
            fairc_buf_puts(b, ", \"lambda\": ");
            json_num(b, f->lambda[k]);
            fairc_buf_puts(b, "}");
        }
        fairc_buf_printf(b, "%s], \"running_sums\": %zu}", f->K ? "\n    " : "", f->n_running);
    }
    if (p->red) {
        fairc_buf_puts(b, ",\n  ");
        fairc_red_record_describe(p->red, 1, b);
    }
    fairc_buf_puts(b, "\n}\n");
}

FAIRC_API int fairc_predictor_describe(const fairc_predictor *p, int json, char **text,
                                       fairc_status *st)
{
    if (text) *text = NULL;
    if (!p || !text) return fairc_fail(st, FAIRC_EINVAL, "fairc_predictor_describe: NULL argument");
    fairc_buf b = {0};
    if (json) describe_json(&b, p);
    else describe_text(&b, p);
    if (b.failed || !b.p) {
        fairc_buf_free(&b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory describing the predictor");
    }
    *text = b.p;
    return FAIRC_OK;
}
