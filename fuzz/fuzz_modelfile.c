/* fuzz_modelfile.c: libFuzzer target for the predictor file loader (src/modelfile.c).
 * Byte 0 picks the mode, the rest is the file. Odd: the header's length field and the CRC are
 * first rewritten to match the input, so that mutations reach the parser behind the CRC (the
 * CRC alone stops nearly all of them); even: the bytes as given, for the header and CRC checks.
 * A failed load must leave *out NULL and give one line "f: byte N: ..." with N inside the file.
 * A successful load must describe (text and JSON), serialise (the writer takes whatever the
 * loader accepts), load back, and serialise again to the same bytes. Leaks are findings too.
 * Corpus: fuzz/corpus/fuzz_modelfile, written by tests/test_modelfile.c. */
#include "predictor.h"
#include "sha256.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_error(int rc, const fairc_predictor *p, const fairc_status *st, size_t n)
{
    if (p != NULL || (rc != FAIRC_EPARSE && rc != FAIRC_ELIMIT)) abort();
    if (strncmp(st->message, "f: byte ", 8) != 0 || strchr(st->message, '\n')) abort();
    char *end = NULL;
    unsigned long long at = strtoull(st->message + 8, &end, 10);
    if (end == st->message + 8 || *end != ':' || at > n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t n = size - 1;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) return 0;
    if (n) memcpy(b, data + 1, n);
    if ((data[0] & 1) && n >= 28) {
        uint64_t body = n - 28;
        for (int k = 0; k < 8; k++) b[16 + k] = (uint8_t)(body >> (8 * k));
        uint32_t crc = fairc_crc32(0, b, n - 4);
        for (size_t k = 0; k < 4; k++) b[n - 4 + k] = (uint8_t)(crc >> (8 * k));
    }
    fairc_status st;
    memset(&st, 0, sizeof st);
    fairc_predictor *p = NULL;
    int rc = fairc_predictor_load_memory(b, n, "f", &p, &st);
    if (rc != FAIRC_OK) {
        check_error(rc, p, &st, n);
        free(b);
        return 0;
    }
    char *text = NULL;
    if (fairc_predictor_describe(p, 0, &text, &st) != FAIRC_OK || !text) abort();
    free(text);
    if (fairc_predictor_describe(p, 1, &text, &st) != FAIRC_OK || !text) abort();
    free(text);
    void *s1 = NULL, *s2 = NULL;
    size_t n1 = 0, n2 = 0;
    if (fairc_predictor_serialize(p, &s1, &n1, &st) != FAIRC_OK) abort();
    fairc_predictor *q = NULL;
    if (fairc_predictor_load_memory(s1, n1, "f", &q, &st) != FAIRC_OK) abort();
    if (fairc_predictor_serialize(q, &s2, &n2, &st) != FAIRC_OK) abort();
    if (n1 != n2 || memcmp(s1, s2, n1) != 0) abort();
    free(s1);
    free(s2);
    fairc_predictor_free(&q);
    fairc_predictor_free(&p);
    free(b);
    return 0;
}
