/* fuzz_arff.c: libFuzzer target for the ARFF reader (src/arff.c, src/reader.c). The first byte
 * picks the options, the rest is the file, read through fairc_reader_open_memory. Every field
 * of every record is touched, and the whole parse (names, fields, lines, missing flags, error
 * message) must come out the same again with a tiny block size, so that block boundaries
 * cannot change an answer. Not here: CSV (fuzz_csv.c), the same harness (reader_harness.h). */
#define FORMAT FAIRC_FORMAT_ARFF
#include "reader_harness.h"
