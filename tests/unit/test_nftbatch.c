/* Unit tests for src/net/firewall/nftbatch.c and the ruleset of src/net/firewall/firewall.c:
 * each batch is committed in a fresh user and network namespace, then read
 * back with nft(8), so the kernel and nft judge what the messages mean. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h> /* before the linux/ headers, which defer to it */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/firewall/firewall.h"
#include "net/firewall/nftbatch.h"
#include "sandbox/netns.h"
#include "policy_fixtures.h"
#include "unit.h"

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd >= 0) {
        ssize_t n = write(fd, text, strlen(text));
        (void)n;
        close(fd);
    }
}

static int enter_namespaces(void)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
        return -errno;
    char map[64];
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
    write_file("/proc/self/gid_map", map);
    return 0;
}

typedef int (*loader)(const void *arg, struct moat_error *err);

/* Run load in a fresh namespace; return what `nft list ruleset` prints
 * there afterwards (static buffer), or "load failed: <message>". */
static const char *load_and_list(loader install, const void *arg)
{
    static char out[16384];
    int pipefd[2];
    out[0] = '\0';
    if (pipe(pipefd) < 0)
        return "pipe failed";
    fflush(NULL); /* the child must not repeat our buffered output */
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        dup2(pipefd[1], 1);
        struct moat_error e = { 0 };
        if (enter_namespaces() < 0) {
            printf("load failed: cannot enter namespaces");
            fflush(stdout);
            _exit(1);
        }
        if (install(arg, &e) < 0) {
            printf("load failed: %s", e.msg);
            fflush(stdout);
            _exit(1);
        }
        fflush(stdout);
        execl("/usr/sbin/nft", "nft", "list", "ruleset", (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    size_t len = 0;
    ssize_t n;
    while (len < sizeof out - 1 && (n = read(pipefd[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    return out;
}

static bool has_line(const char *listing, const char *line)
{
    const char *p = listing;
    size_t n = strlen(line);
    while ((p = strstr(p, line))) {
        bool starts = p == listing || p[-1] == '\t' || p[-1] == ' ' || p[-1] == '\n';
        if (starts && (p[n] == '\n' || p[n] == '\0'))
            return true;
        p += n;
    }
    fprintf(stderr, "    missing line: %s\n", line);
    return false;
}

static struct net_cidr cidr(const char *text)
{
    struct net_cidr c = { 0 };
    CHECK_INT(cidr_parse(text, &c), 0);
    return c;
}

static int load_vocabulary(const void *arg, struct moat_error *e)
{
    (void)arg;
    struct nftbatch *b = nftbatch_new("t");
    nftbatch_chain(b, "out", "filter", NF_INET_LOCAL_OUT, 0);
    nftbatch_chain(b, "mangle", "route", NF_INET_LOCAL_OUT, -150);
    nftbatch_chain(b, "pre", "filter", NF_INET_PRE_ROUTING, -150);
    nftbatch_chain(b, "nat", "nat", NF_INET_LOCAL_OUT, -100);
    struct net_cidr c1 = cidr("198.18.0.0/15"), c2 = cidr("2001:db8::/32"),
                    c3 = cidr("203.0.113.7"), c4 = cidr("::/0");
    struct nftbatch_rule *r = nftbatch_rule(b, "out");
    nftbatch_match_prefix(r, &c1);
    nftbatch_match_l4proto(r, IPPROTO_UDP);
    nftbatch_match_dport(r, 9000);
    nftbatch_verdict(r, NF_ACCEPT);
    nftbatch_add(b, r, "one");
    r = nftbatch_rule(b, "out");
    nftbatch_match_prefix(r, &c2);
    nftbatch_match_mark(r, 0x6d6f6174);
    nftbatch_log_limited(r, 7, 20, 50);
    nftbatch_add(b, r, "two");
    r = nftbatch_rule(b, "out");
    nftbatch_match_prefix(r, &c4);
    nftbatch_verdict(r, NF_DROP);
    nftbatch_add(b, r, "three");
    r = nftbatch_rule(b, "out");
    nftbatch_reject_tcp_reset(r);
    nftbatch_add(b, r, "three and a half");
    r = nftbatch_rule(b, "out");
    nftbatch_reject_admin_prohibited(r);
    nftbatch_add(b, r, "four");
    r = nftbatch_rule(b, "mangle");
    nftbatch_match_prefix(r, &c3);
    nftbatch_set_mark(r, 0x6d6f6174);
    nftbatch_add(b, r, "five");
    r = nftbatch_rule(b, "pre");
    nftbatch_match_mark(r, 0x6d6f6174);
    nftbatch_match_l4proto(r, IPPROTO_UDP);
    nftbatch_tproxy(r, 3131);
    nftbatch_add(b, r, "six");
    r = nftbatch_rule(b, "nat");
    nftbatch_match_prefix(r, &c2);
    nftbatch_redirect(r, 3130);
    nftbatch_add(b, r, "seven");
    r = nftbatch_rule(b, "nat");
    nftbatch_verdict(r, NFT_RETURN);
    nftbatch_add(b, r, "eight");
    int ret = nftbatch_commit(b, e);
    nftbatch_free(b);
    return ret;
}

TEST(every_expression_means_what_nft_would_write)
{
    const char *l = load_and_list(load_vocabulary, NULL);
    CHECK(has_line(l, "table inet t {"));
    CHECK(has_line(l, "type filter hook output priority filter; policy accept;"));
    CHECK(has_line(l, "type route hook output priority mangle; policy accept;"));
    CHECK(has_line(l, "type filter hook prerouting priority mangle; policy accept;"));
    CHECK(has_line(l, "type nat hook output priority -100; policy accept;"));
    CHECK(has_line(l, "ip daddr 198.18.0.0/15 udp dport 9000 accept"));
    CHECK(has_line(l, "ip6 daddr 2001:db8::/32 meta mark 0x6d6f6174 limit rate 20/second "
                      "burst 50 packets log group 7"));
    CHECK(has_line(l, "meta nfproto ipv6 drop"));
    CHECK(has_line(l, "meta l4proto tcp reject with tcp reset"));
    CHECK(has_line(l, "reject with icmpx admin-prohibited"));
    CHECK(has_line(l, "ip daddr 203.0.113.7 meta mark set 0x6d6f6174"));
    CHECK(has_line(l, "meta mark 0x6d6f6174 meta l4proto udp tproxy to :3131"));
    CHECK(has_line(l, "ip6 daddr 2001:db8::/32 redirect to :3130"));
    CHECK(has_line(l, "return"));
}

static int load_broken(const void *arg, struct moat_error *e)
{
    (void)arg;
    struct nftbatch *b = nftbatch_new("t");
    nftbatch_chain(b, "out", "filter", NF_INET_LOCAL_OUT, 0);
    struct nftbatch_rule *r = nftbatch_rule(b, "out");
    nftbatch_verdict(r, NF_ACCEPT);
    nftbatch_add(b, r, "a good rule");
    r = nftbatch_rule(b, "missing");
    nftbatch_verdict(r, NF_ACCEPT);
    nftbatch_add(b, r, "the rule for a missing chain");
    int ret = nftbatch_commit(b, e);
    nftbatch_free(b);
    return ret;
}

TEST(a_refused_message_is_named_and_nothing_is_applied)
{
    const char *l = load_and_list(load_broken, NULL);
    CHECK(strstr(l, "load failed: firewall: nftables refused the rule for a missing chain"));
    CHECK(strstr(l, "No such file or directory"));
}

static int load_empty_then_list(const void *arg, struct moat_error *e)
{
    (void)arg;
    int r = load_broken(NULL, e);
    return r < 0 ? 0 : -1; /* the failure must leave no table behind */
}

TEST(a_failed_transaction_leaves_nothing)
{
    const char *l = load_and_list(load_empty_then_list, NULL);
    CHECK_STR(l, "");
}

/* As the supervisor and the sandbox init do: prepared before, installed
 * after bringing lo up in the new namespace. */
static int load_firewall(const void *arg, struct moat_error *e)
{
    int r = netns_loopback_up(e);
    return r < 0 ? r : firewall_install(arg, e);
}

static const char *prepare_load_and_list(const struct moat_policy *p, bool *udp)
{
    struct netpolicy np;
    struct firewall *fw;
    struct moat_error e = {0};
    int r = netpolicy_build(&p->net.allow, &p->net.deny, &np, &e);
    if (r == 0)
        r = firewall_prepare(&np, &fw, &e);
    netpolicy_free(&np);
    if (r < 0) {
        fprintf(stderr, "  firewall_prepare: %s\n", e.msg);
        return "";
    }
    *udp = firewall_relays_udp(fw);
    const char *l = load_and_list(load_firewall, fw);
    firewall_free(fw);
    return l;
}

TEST(firewall_ruleset_redirects_pools_literals_and_dns_and_rejects_the_rest)
{
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, "{\"network\": {\"mode\": \"firewall\", \"allow\": [\"dual.test\", "
                       "\"203.0.113.0/25:443\", \"[2001:db8::5]:22\", \"udp://203.0.113.200\", "
                       "\"tcp://203.0.113.128/26\"]}}"),
              0);
    bool udp = false;
    const char *l = prepare_load_and_list(&p, &udp);
    CHECK(udp);
    CHECK(has_line(l, "ip daddr 127.0.0.0/8 return"));
    CHECK(has_line(l, "ip6 daddr ::1 return"));
    CHECK(has_line(l, "tcp dport 53 redirect to :53"));
    CHECK(has_line(l, "udp dport 53 redirect to :53"));
    CHECK(has_line(l, "ip daddr 198.18.0.0/15 meta l4proto tcp redirect to :3130"));
    CHECK(has_line(l, "ip6 daddr fd6d:6f61:7400::/48 meta l4proto tcp redirect to :3130"));
    CHECK(has_line(l, "ip daddr 203.0.113.0/25 meta l4proto tcp redirect to :3130"));
    CHECK(has_line(l, "ip6 daddr 2001:db8::5 meta l4proto tcp redirect to :3130"));
    CHECK(!strstr(l, "203.0.113.200 meta l4proto tcp"));
    CHECK(has_line(l, "ip daddr 127.0.0.0/8 accept"));
    CHECK(has_line(l, "limit rate 20/second burst 50 packets log group 7"));
    CHECK(has_line(l, "meta l4proto tcp reject with tcp reset"));
    CHECK(has_line(l, "reject with icmpx admin-prohibited"));
    /* UDP: to the pools (dual.test names no protocol) and to the literal
     * UDP rule, marked for the relay; DNS and loopback left alone. */
    CHECK(has_line(l, "type route hook output priority mangle; policy accept;"));
    CHECK(has_line(l, "udp dport 53 return"));
    CHECK(has_line(l, "ip daddr 198.18.0.0/15 meta l4proto udp meta mark set 0x6d6f6174"));
    CHECK(has_line(l, "ip6 daddr fd6d:6f61:7400::/48 meta l4proto udp meta mark set 0x6d6f6174"));
    CHECK(has_line(l, "ip daddr 203.0.113.200 meta l4proto udp meta mark set 0x6d6f6174"));
    CHECK(has_line(l, "ip daddr 203.0.113.0/25 meta l4proto udp meta mark set 0x6d6f6174"));
    CHECK(has_line(l, "ip daddr 203.0.113.128/26 meta l4proto tcp redirect to :3130"));
    CHECK(!strstr(l, "203.0.113.128/26 meta l4proto udp"));
    CHECK(has_line(l, "meta mark 0x6d6f6174 accept"));
    CHECK(has_line(l, "meta mark 0x6d6f6174 meta l4proto udp tproxy to :3131"));
    policy_release(&p);
}

TEST(firewall_without_udp_rules_relays_no_udp)
{
    struct moat_policy p;
    policy_init(&p);
    CHECK_INT(load(&p, "{\"network\": {\"mode\": \"firewall\", \"allow\": [\"tcp://dual.test\", "
                       "\"tcp://203.0.113.7\"]}}"),
              0);
    bool udp = true;
    const char *l = prepare_load_and_list(&p, &udp);
    CHECK(!udp);
    CHECK(has_line(l, "ip daddr 203.0.113.7 meta l4proto tcp redirect to :3130"));
    CHECK(!strstr(l, "mark"));
    CHECK(!strstr(l, "tproxy"));
    policy_release(&p);
}

int main(void)
{
    RUN(every_expression_means_what_nft_would_write);
    RUN(a_refused_message_is_named_and_nothing_is_applied);
    RUN(a_failed_transaction_leaves_nothing);
    RUN(firewall_ruleset_redirects_pools_literals_and_dns_and_rejects_the_rest);
    RUN(firewall_without_udp_rules_relays_no_udp);
    return UNIT_DONE();
}
