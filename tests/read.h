/* A test matrix from the data directory, read with the tools' reader. */
#ifndef SPG_TEST_READ_H
#define SPG_TEST_READ_H

#include "check.h"
#include "mmread.h"

/* Reads dir/file into mm; 0 (with the reason on stderr) when it cannot. */
static inline int spg_test_read(const char *dir, const char *file, spg_mm *mm)
{
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!CHECK(f != NULL) || !CHECK(spg_mm_read(f, mm, err, sizeof err) == 0)) {
        fprintf(stderr, "  %s: %s\n", path, f ? err : "cannot open");
        if (f)
            fclose(f);
        return 0;
    }
    fclose(f);
    return 1;
}

#endif
