/* test_pyapi.c: the language-binding helpers of src/pyapi.c. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A binding mirrors public structs and checks their sizes with fairc_sizeof at load time: every
 * struct the header defines must be known to it (a new one forgotten would read as size 0). */
TEST(pyapi_sizeof_knows_every_public_struct)
{
    FILE *f = fopen("include/fairc.h", "r");
    if (!f) SKIP("include/fairc.h not found from the working directory");
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char name[128];
        /* a definition, not an opaque "typedef struct fairc_x fairc_x;" */
        if (sscanf(line, "typedef struct %127[a-z0-9_]", name) != 1 || !strchr(line, '{')) continue;
        n++;
        CHECK_MSG(fairc_sizeof(name) > 0, "fairc_sizeof(\"%s\") is 0: add it to src/pyapi.c", name);
    }
    fclose(f);
    CHECK(n >= 10);
    CHECK_EQ_INT(fairc_sizeof("fairc_no_such_struct"), 0);
    CHECK_EQ_INT(fairc_sizeof("fairc_train_options"), sizeof(fairc_train_options));
}
