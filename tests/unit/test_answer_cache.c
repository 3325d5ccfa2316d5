/* Unit tests for src/net/dns/answer_cache.c: what is remembered, for how long, and what
 * is never remembered. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "net/dns/answer_cache.h"
#include "net/dns/dns_msg.h"
#include "unit.h"

static struct net_addr v4(const char *text)
{
    struct net_addr a = { .family = AF_INET };
    inet_pton(AF_INET, text, a.b);
    return a;
}

static const char *text(const struct net_addr *a)
{
    static char buf[INET6_ADDRSTRLEN];
    addr_format(a, buf, sizeof buf);
    return buf;
}

TEST(an_answer_is_remembered_for_its_ttl_and_no_longer)
{
    struct answer_cache *c = answer_cache_new();
    struct net_addr in[2] = { v4("198.51.100.1"), v4("198.51.100.2") }, out[ANSWER_CACHE_ADDRS];
    answer_cache_put(c, "cdn.test", DNS_TYPE_A, in, 2, 2, 1000);
    CHECK_INT((int)answer_cache_get(c, "cdn.test", DNS_TYPE_A, 1000, out), 2);
    CHECK_STR(text(&out[0]), "198.51.100.1");
    CHECK_STR(text(&out[1]), "198.51.100.2");
    CHECK_INT((int)answer_cache_get(c, "cdn.test", DNS_TYPE_A, 2999, out), 2);
    /* At the TTL's end the next connection asks again: a CDN's new set shows. */
    CHECK_INT((int)answer_cache_get(c, "cdn.test", DNS_TYPE_A, 3000, out), 0);
    CHECK_INT((int)answer_cache_get(c, "cdn.test", DNS_TYPE_A, 1000, out), 0); /* gone */
    answer_cache_free(c);
}

TEST(names_compare_as_dns_does_and_types_are_apart)
{
    struct answer_cache *c = answer_cache_new();
    struct net_addr in = v4("203.0.113.7"), out[ANSWER_CACHE_ADDRS];
    answer_cache_put(c, "Dual.Test", DNS_TYPE_A, &in, 1, 60, 0);
    CHECK_INT((int)answer_cache_get(c, "dual.test.", DNS_TYPE_A, 10, out), 1);
    CHECK_INT((int)answer_cache_get(c, "dual.test", DNS_TYPE_AAAA, 10, out), 0);
    CHECK_INT((int)answer_cache_get(c, "dual.tes", DNS_TYPE_A, 10, out), 0);
    CHECK_INT((int)answer_cache_get(c, "xdual.test", DNS_TYPE_A, 10, out), 0);
    answer_cache_free(c);
}

TEST(a_newer_answer_replaces_and_ttl_zero_or_nothing_forgets)
{
    struct answer_cache *c = answer_cache_new();
    struct net_addr a = v4("198.51.100.1"), b = v4("198.51.100.9"), out[ANSWER_CACHE_ADDRS];
    answer_cache_put(c, "cdn.test", DNS_TYPE_A, &a, 1, 60, 0);
    answer_cache_put(c, "cdn.test", DNS_TYPE_A, &b, 1, 60, 5);
    CHECK_INT((int)answer_cache_get(c, "cdn.test", DNS_TYPE_A, 6, out), 1);
    CHECK_STR(text(&out[0]), "198.51.100.9");
    answer_cache_put(c, "cdn.test", DNS_TYPE_A, &b, 1, 0, 7); /* TTL 0: not to be kept */
    CHECK_INT((int)answer_cache_get(c, "cdn.test", DNS_TYPE_A, 8, out), 0);
    answer_cache_put(c, "cdn.test", DNS_TYPE_A, &b, 1, 60, 9);
    answer_cache_put(c, "cdn.test", DNS_TYPE_A, NULL, 0, 60, 10); /* no addresses */
    CHECK_INT((int)answer_cache_get(c, "cdn.test", DNS_TYPE_A, 11, out), 0);
    answer_cache_free(c);
}

TEST(ttl_is_capped_and_a_full_table_gives_up_the_soonest_to_expire)
{
    struct answer_cache *c = answer_cache_new();
    struct net_addr a = v4("198.51.100.1"), out[ANSWER_CACHE_ADDRS];
    answer_cache_put(c, "long.test", DNS_TYPE_A, &a, 1, 86400, 0);
    CHECK_INT((int)answer_cache_get(c, "long.test", DNS_TYPE_A,
                                    (uint64_t)ANSWER_CACHE_MAX_TTL_S * 1000 - 1, out), 1);
    CHECK_INT((int)answer_cache_get(c, "long.test", DNS_TYPE_A,
                                    (uint64_t)ANSWER_CACHE_MAX_TTL_S * 1000, out), 0);
    char name[32];
    for (int i = 0; i < ANSWER_CACHE_SLOTS; i++) { /* n<i> lives 10 + i seconds */
        snprintf(name, sizeof name, "n%d.test", i);
        answer_cache_put(c, name, DNS_TYPE_A, &a, 1, (uint32_t)(10 + i), 0);
    }
    answer_cache_put(c, "new.test", DNS_TYPE_A, &a, 1, 60, 1);
    CHECK_INT((int)answer_cache_get(c, "new.test", DNS_TYPE_A, 2, out), 1);
    CHECK_INT((int)answer_cache_get(c, "n0.test", DNS_TYPE_A, 2, out), 0);
    CHECK_INT((int)answer_cache_get(c, "n1.test", DNS_TYPE_A, 2, out), 1);
    snprintf(name, sizeof name, "n%d.test", ANSWER_CACHE_SLOTS - 1);
    CHECK_INT((int)answer_cache_get(c, name, DNS_TYPE_A, 2, out), 1);
    /* More addresses than a slot holds: the first ones are kept. */
    struct net_addr many[ANSWER_CACHE_ADDRS + 4];
    for (size_t i = 0; i < sizeof many / sizeof *many; i++)
        many[i] = v4("203.0.113.1"), many[i].b[3] = (uint8_t)(i + 1);
    answer_cache_put(c, "many.test", DNS_TYPE_A, many, sizeof many / sizeof *many, 60, 0);
    CHECK_INT((int)answer_cache_get(c, "many.test", DNS_TYPE_A, 1, out), ANSWER_CACHE_ADDRS);
    CHECK_STR(text(&out[ANSWER_CACHE_ADDRS - 1]), "203.0.113.16");
    answer_cache_free(c);
}

int main(void)
{
    RUN(an_answer_is_remembered_for_its_ttl_and_no_longer);
    RUN(names_compare_as_dns_does_and_types_are_apart);
    RUN(a_newer_answer_replaces_and_ttl_zero_or_nothing_forgets);
    RUN(ttl_is_capped_and_a_full_table_gives_up_the_soonest_to_expire);
    return UNIT_DONE();
}
