/* test_sha256.c: SHA-256 against the FIPS 180-4 / NIST example vectors, the padding
 * boundaries (reference digests from Python's hashlib), and the incremental API fed in
 * awkward chunk sizes; fairc_sha256_file on a written file. */
#include "sha256.h"
#include "test.h"

#include <stdlib.h>

static void hex_of(const void *data, size_t n, char hex[65])
{
    uint8_t d[32];
    fairc_sha256(data, n, d);
    fairc_sha256_hex(d, hex);
}

TEST(sha256_matches_nist_vectors_abc_empty_and_two_blocks)
{
    char hex[65];
    hex_of("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m448, strlen(m448), hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_million_a_through_the_incremental_api)
{
    /* 1,000,000 'a' fed in chunks of 1..997 bytes, so partial blocks occur at every offset */
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    fairc_sha256_ctx c;
    fairc_sha256_init(&c);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        fairc_sha256_update(&c, chunk, n);
        done += n;
        step = step % 997 + 1;
    }
    uint8_t d[32];
    char hex[65];
    fairc_sha256_final(&c, d);
    fairc_sha256_hex(d, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(sha256_padding_boundaries_match_hashlib)
{
    static const struct {
        size_t n;
        const char *hex;
    } cases[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    char a[128], hex[65];
    memset(a, 'a', sizeof a);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        hex_of(a, cases[k].n, hex);
        CHECK_MSG(strcmp(hex, cases[k].hex) == 0, "%zu x 'a': %s, expected %s", cases[k].n, hex,
                  cases[k].hex);
        /* byte by byte gives the same digest */
        fairc_sha256_ctx c;
        fairc_sha256_init(&c);
        for (size_t i = 0; i < cases[k].n; i++) fairc_sha256_update(&c, a + i, 1);
        uint8_t d[32];
        fairc_sha256_final(&c, d);
        fairc_sha256_hex(d, hex);
        CHECK_MSG(strcmp(hex, cases[k].hex) == 0, "%zu x 'a' byte by byte: %s", cases[k].n, hex);
    }
}

TEST(sha256_file_hashes_the_bytes_and_reports_a_missing_file)
{
    char path[512];
    test_write_file("sha.txt", "abc", 3, path, sizeof path);
    uint8_t d[32];
    char hex[65];
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_sha256_file(path, d, &st), FAIRC_OK);
    fairc_sha256_hex(d, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no-such-file", test_tmpdir());
    CHECK_EQ_INT(fairc_sha256_file(missing, d, &st), FAIRC_EIO);
    CHECK(strstr(st.message, "no-such-file: cannot open") != NULL);
}
