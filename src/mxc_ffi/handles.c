/* The handle table (handles.h).  A handle's value is a counter in the
 * non-canonical upper half of the address space ("moat" in its top bits),
 * never a pointer: it cannot collide with memory, a dereference by mistake
 * faults at once, and a number is never given out twice, so a stale handle
 * never names a newer sandbox.  One mutex guards the table and every
 * reference count; it is never held while calling out. */
#include "mxc_ffi/handles.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define HANDLE_TAG ((uintptr_t)0x6d6f6174u << 32)

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle_ref **table;
static size_t table_len, table_cap;
static uintptr_t next_number = 1;

struct MxcSandbox *handles_add(struct handle_ref *r)
{
    pthread_mutex_lock(&table_lock);
    if (table_len == table_cap) {
        size_t cap = table_cap ? table_cap * 2 : 16;
        struct handle_ref **grown = realloc(table, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&table_lock);
            return NULL;
        }
        table = grown;
        table_cap = cap;
    }
    r->token = HANDLE_TAG | next_number++;
    table[table_len++] = r;
    pthread_mutex_unlock(&table_lock);
    return (struct MxcSandbox *)r->token;
}

/* Under table_lock: the index of h, or table_len. */
static size_t find(struct MxcSandbox *h)
{
    size_t i = 0;
    while (i < table_len && table[i]->token != (uintptr_t)h)
        i++;
    return i;
}

struct handle_ref *handles_get(struct MxcSandbox *h)
{
    if (!h)
        return NULL;
    pthread_mutex_lock(&table_lock);
    size_t i = find(h);
    struct handle_ref *r = i < table_len ? table[i] : NULL;
    if (r)
        r->refs++;
    pthread_mutex_unlock(&table_lock);
    return r;
}

void handles_put(struct handle_ref *r)
{
    pthread_mutex_lock(&table_lock);
    bool last = --r->refs == 0;
    pthread_mutex_unlock(&table_lock);
    if (last)
        r->destroy(r);
}

struct handle_ref *handles_retire(struct MxcSandbox *h)
{
    if (!h)
        return NULL;
    pthread_mutex_lock(&table_lock);
    size_t i = find(h);
    struct handle_ref *r = NULL;
    if (i < table_len) {
        r = table[i];
        table[i] = table[--table_len];
    }
    pthread_mutex_unlock(&table_lock);
    return r;
}
