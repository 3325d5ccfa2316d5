/* Growable arrays of owned strings; see strv.h. */
#include "util/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int strv_push_owned(struct moat_strv *sv, char *s)
{
    if (!s)
        return -ENOMEM;
    char **v = realloc(sv->v, (sv->n + 2) * sizeof *v);
    if (!v) {
        free(s);
        return -ENOMEM;
    }
    v[sv->n++] = s;
    v[sv->n] = NULL;
    sv->v = v;
    return 0;
}

int strv_push(struct moat_strv *sv, const char *s)
{
    return strv_push_owned(sv, strdup(s));
}

bool strv_contains(const struct moat_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

void strv_free(struct moat_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

char **strv_to_argv(const struct moat_strv *sv)
{
    char **argv = calloc(sv->n + 1, sizeof *argv);
    if (argv)
        for (size_t i = 0; i < sv->n; i++)
            argv[i] = sv->v[i];
    return argv;
}
