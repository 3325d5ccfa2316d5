/* Unit tests for src/net/firewall/names/fakeip.c: pool addresses, lookups, expiry. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/firewall/names/fakeip.h"
#include "unit.h"

static const char *text(const struct net_addr *a)
{
    static char buf[INET6_ADDRSTRLEN];
    addr_format(a, buf, sizeof buf);
    return buf;
}

TEST(names_get_stable_addresses_in_both_pools)
{
    struct fakeip_map *m = fakeip_new(300);
    struct net_addr a4, a6, b4, again;
    CHECK_INT(fakeip_for_name(m, "dual.test", AF_INET, 2, &a4), 0);
    CHECK_INT(fakeip_for_name(m, "dual.test", AF_INET6, 2, &a6), 0);
    CHECK_INT(fakeip_for_name(m, "cdn.test", AF_INET, 2, &b4), 0);
    CHECK_INT(fakeip_for_name(m, "dual.test", AF_INET, 2, &again), 0);
    CHECK_STR(text(&a4), "198.18.0.1");
    CHECK_STR(text(&a6), "fd6d:6f61:7400::1");
    CHECK_STR(text(&b4), "198.18.0.2");
    CHECK(addr_equal(&a4, &again));
    bool in_pool;
    CHECK_STR(fakeip_lookup(m, &a6, &in_pool), "dual.test");
    CHECK(in_pool);
    CHECK_STR(fakeip_lookup(m, &b4, &in_pool), "cdn.test");
    fakeip_free(m);
}

TEST(mapped_spelling_of_a_pool_address_maps_too)
{
    struct fakeip_map *m = fakeip_new(300);
    struct net_addr a4, mapped;
    fakeip_for_name(m, "dual.test", AF_INET, 2, &a4);
    CHECK_INT(addr_parse("::ffff:198.18.0.1", &mapped), 0);
    bool in_pool;
    CHECK_STR(fakeip_lookup(m, &mapped, &in_pool), "dual.test");
    fakeip_free(m);
}

TEST(unknown_pool_address_and_outside_address)
{
    struct fakeip_map *m = fakeip_new(300);
    struct net_addr a;
    bool in_pool;
    addr_parse("198.18.3.7", &a);
    CHECK(fakeip_lookup(m, &a, &in_pool) == NULL);
    CHECK(in_pool);
    addr_parse("203.0.113.9", &a);
    CHECK(fakeip_lookup(m, &a, &in_pool) == NULL);
    CHECK(!in_pool);
    addr_parse("fd6d:6f61:7400:1::1", &a); /* inside the /48 but not a pool slot */
    CHECK(fakeip_lookup(m, &a, &in_pool) == NULL);
    fakeip_free(m);
}

TEST(entries_expire_and_are_never_reused)
{
    struct fakeip_map *m = fakeip_new(1); /* a one-second floor */
    struct net_addr a, b;
    fakeip_for_name(m, "old.test", AF_INET, 0, &a);
    bool in_pool;
    CHECK_STR(fakeip_lookup(m, &a, &in_pool), "old.test");
    sleep(2);
    CHECK(fakeip_lookup(m, &a, &in_pool) == NULL); /* expired: refused */
    CHECK(in_pool);
    fakeip_for_name(m, "new.test", AF_INET, 0, &b);
    CHECK(!addr_equal(&a, &b)); /* the old address never points elsewhere */
    CHECK(fakeip_lookup(m, &a, &in_pool) == NULL);
    fakeip_free(m);
}

int main(void)
{
    RUN(names_get_stable_addresses_in_both_pools);
    RUN(mapped_spelling_of_a_pool_address_maps_too);
    RUN(unknown_pool_address_and_outside_address);
    RUN(entries_expire_and_are_never_reused);
    return UNIT_DONE();
}
