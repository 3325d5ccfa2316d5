/* Growable arrays of owned strings (struct moat_strv). */
#ifndef MOAT_UTIL_STRV_H
#define MOAT_UTIL_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct moat_strv {
    char **v;
    size_t n;
};

/* Append a copy of s; -ENOMEM on failure. */
int strv_push(struct moat_strv *sv, const char *s);
/* Append s itself (takes ownership, also on failure). */
int strv_push_owned(struct moat_strv *sv, char *s);
bool strv_contains(const struct moat_strv *sv, const char *s);
void strv_free(struct moat_strv *sv);
/* A NULL-terminated copy of the pointers (strings not copied), for execve. */
char **strv_to_argv(const struct moat_strv *sv);

#endif
