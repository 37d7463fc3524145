/* fuzz_csv.c: libFuzzer target for the CSV reader (src/csv.c, src/reader.c). The first byte
 * picks the options, the rest is the file, read through fairc_reader_open_memory. Every field
 * of every record is touched, and the whole parse (names, fields, lines, missing flags, error
 * message) must come out the same again with a tiny block size, so that block boundaries
 * cannot change an answer. Not here: ARFF (fuzz_arff.c), the same harness (reader_harness.h). */
#define FORMAT FAIRC_FORMAT_CSV
#include "reader_harness.h"
