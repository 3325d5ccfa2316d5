/* The attacker used by the end-to-end tests: runs one attempt inside the
 * sandbox and prints exactly one line, "ok" or the errno's name (EPERM,
 * EROFS, ...), so each test can check an attack failed for the right reason.
 *   attack write PATH | read PATH | mkdir PATH | symlink TARGET LINK |
 *          link OLD NEW | mknod PATH | unix-socket | unix-socketpair |
 *          inet-socket | io-uring | bpf | userfaultfd | keyctl | clone3 |
 *          tiocsti | tiocsti-high | ptrace PID | kill PID SIG |
 *          read-environ PID | remount-root-rw | unshare-user | caps |
 *          count-pids | sleep-forever | bind ADDR PORT [v6only] |
 *          serve ADDR PORT (accept one client, send a line) |
 *          fetch ADDR PORT (connect, print the line received) |
 *          rename OLD NEW | exchange A B | append PATH | truncate PATH |
 *          reopen-write PATH (O_PATH, then /proc/self/fd/N for writing) |
 *          tmpfile-link DIR NAME | fd-write FD NAME | fd-read FD NAME |
 *          chmod-setuid PATH | create-setuid PATH | listen-unbound |
 *          race-create DIR SAFE PROTECTED N (a thread flips the path while
 *          the main thread creates it N times) | connect-unix PATH |
 *          socket FAMILY TYPE PROTO | fill PATH BYTES |
 *          openat2 read|append|create PATH RESOLVE (openat2(2) from the working
 *          directory with one resolve flag: nosymlinks, nomagiclinks, noxdev,
 *          cached, beneath, inroot; read prints what it read to stderr) |
 *          lease-stall FILE DIR [truncate] (see lease_stall) |
 *          mount-magic SOURCE TARGET TYPE DATA (mount(2) with the old MS_MGC_VAL
 *          flags) | stop-walker DIR (see stop_walker) */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <pthread.h>
#include <sys/un.h>
#include <unistd.h>

static int result(long r)
{
    if (r < 0) {
        const char *name = strerrorname_np(errno);
        printf("%s\n", name ? name : "E?");
        return 1;
    }
    puts("ok");
    return 0;
}

static long do_write(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    long r = write(fd, "pwned\n", 6);
    close(fd);
    return r;
}

static long do_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[4096];
    long r = read(fd, buf, sizeof buf);
    close(fd);
    if (r > 0)
        fwrite(buf, 1, (size_t)r, stderr); /* content to stderr, verdict to stdout */
    return r;
}

static long tiocsti(unsigned long request)
{
    char c = 'x';
    return ioctl(0, request, &c);
}

static long count_pids(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
    closedir(d);
    printf("%d\n", n);
    exit(0);
}

/* ADDR may be an IPv4 literal (AF_INET socket) or IPv6, including
 * ::ffff:127.0.0.1 (an AF_INET6 dual-stack socket, as Java makes them). */
static int make_addr(const char *addr, const char *port, struct sockaddr_storage *ss,
                     socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)atoi(port));
        *len = sizeof *s4;
        return AF_INET;
    }
    if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)atoi(port));
        *len = sizeof *s6;
        return AF_INET6;
    }
    return -1;
}

static long do_bind(const char *addr, const char *port, bool v6only, bool serve)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int family = make_addr(addr, port, &ss, &len);
    int fd = socket(family < 0 ? AF_INET : family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1, v6 = v6only;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof v6);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 8) < 0)
        return -1;
    if (!serve)
        return 0;
    puts("listening");
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        return -1;
    const char msg[] = "hello from the sandbox\n";
    return write(c, msg, sizeof msg - 1);
}

static long do_fetch(const char *addr, const char *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int family = make_addr(addr, port, &ss, &len);
    int fd = socket(family < 0 ? AF_INET : family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
        return -1;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    fputs(buf, stdout);
    exit(0);
}

static long reopen_write(const char *path)
{
    int o = open(path, O_PATH | O_CLOEXEC);
    if (o < 0)
        return -1;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", o);
    int fd = open(link, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    long r = write(fd, "pwned\n", 6);
    close(fd);
    return r;
}

static long tmpfile_link(const char *dir, const char *name)
{
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (write(fd, "pwned\n", 6) != 6)
        return -1;
    char link[64], dst[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    return linkat(AT_FDCWD, link, AT_FDCWD, dst, AT_SYMLINK_FOLLOW);
}

static long fd_open(const char *fd, const char *name, bool write_it)
{
    int f = openat(atoi(fd), name, (write_it ? O_WRONLY | O_CREAT : O_RDONLY) | O_CLOEXEC, 0644);
    if (f < 0)
        return -1;
    char buf[256];
    long r = write_it ? write(f, "pwned\n", 6) : read(f, buf, sizeof buf);
    if (!write_it && r > 0)
        fwrite(buf, 1, (size_t)r, stderr);
    return r;
}

/* The TOCTOU attack on a checker that reads a path and lets the kernel read
 * it again: a second thread flips the path between a harmless name and a
 * protected one while the main thread creates it over and over. */
static char race_path[4096];
static const char *race_a, *race_b;
static volatile int race_stop;

static void *race_flip(void *unused)
{
    (void)unused;
    size_t off = strlen(race_path);
    while (!race_stop) {
        strcpy(race_path + off, race_a);
        strcpy(race_path + off, race_b);
    }
    return NULL;
}

static long race_create(const char *dir, const char *safe, const char *prot, const char *n)
{
    snprintf(race_path, sizeof race_path, "%s/", dir);
    race_a = safe;
    race_b = prot;
    pthread_t t;
    if (pthread_create(&t, NULL, race_flip, NULL) != 0)
        return -1;
    int created = 0;
    for (int i = 0; i < atoi(n); i++) {
        int fd = open(race_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            created++;
            close(fd);
        }
    }
    race_stop = 1;
    pthread_join(t, NULL);
    fprintf(stderr, "created %d times\n", created);
    return 0;
}

static long connect_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    return connect(fd, (struct sockaddr *)&sa, sizeof sa);
}

static long listen_unbound(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return fd < 0 ? -1 : listen(fd, 1);
}

static long fill(const char *path, const char *bytes)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    static char block[1 << 16];
    long long want = atoll(bytes);
    for (long long done = 0; done < want;) {
        ssize_t w = write(fd, block, sizeof block);
        if (w < 0)
            return -1;
        done += w;
    }
    return 0;
}

static long do_openat2(const char *mode, const char *path, const char *resolve)
{
    static const struct { const char *name; unsigned long long flag; } flags[] = {
        { "nosymlinks", RESOLVE_NO_SYMLINKS }, { "nomagiclinks", RESOLVE_NO_MAGICLINKS },
        { "noxdev", RESOLVE_NO_XDEV }, { "cached", RESOLVE_CACHED },
        { "beneath", RESOLVE_BENEATH }, { "inroot", RESOLVE_IN_ROOT },
    };
    struct open_how how = { .flags = O_CLOEXEC };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if (!strcmp(resolve, flags[i].name))
            how.resolve = flags[i].flag;
    if (!how.resolve) {
        errno = EINVAL;
        return -1;
    }
    bool reading = !strcmp(mode, "read");
    how.flags |= reading ? O_RDONLY : !strcmp(mode, "append") ? O_WRONLY | O_APPEND
                                                              : O_WRONLY | O_CREAT | O_EXCL;
    how.mode = how.flags & O_CREAT ? 0644 : 0;
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd < 0)
        return -1;
    char buf[4096];
    long r = reading ? read(fd, buf, sizeof buf) : write(fd, "pwned\n", 6);
    if (reading && r > 0)
        fwrite(buf, 1, (size_t)r, stderr);
    close(fd);
    return r;
}

/* A file lease stalling the guard: this process takes a read lease on
 * FILE; a child opens FILE for writing (or truncates it), which breaks the lease and waits
 * for this process to let go (up to /proc/sys/fs/lease-break-time); meanwhile
 * another child makes DIR.  The mkdir must not wait for the lease: when it
 * is done, the lease must still be there, breaking (/proc/locks).  Prints
 * "ok", "stalled" (the lease was gone: the mkdir waited for its break to
 * time out) or the failing call's errno. */
static bool lease_held(int fd)
{
    struct stat st;
    char line[256], want[64];
    FILE *f = fopen("/proc/locks", "re");
    if (!f || fstat(fd, &st) < 0)
        return false;
    snprintf(want, sizeof want, ":%lu ", (unsigned long)st.st_ino);
    bool found = false;
    while (fgets(line, sizeof line, f))
        found |= strstr(line, "LEASE") && strstr(line, want);
    fclose(f);
    return found;
}

static long lease_stall(const char *file, const char *dir, bool by_truncate)
{
    sigset_t io;
    sigemptyset(&io);
    sigaddset(&io, SIGIO);
    sigprocmask(SIG_BLOCK, &io, NULL);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK) < 0)
        return -1;
    pid_t writer = fork();
    if (writer == 0)
        _exit((by_truncate ? truncate(file, 0) : open(file, O_WRONLY | O_CLOEXEC)) < 0 ? 1 : 0);
    struct timespec wait = { 30, 0 }; /* the writer's open under way: the lease breaking */
    if (writer < 0 || sigtimedwait(&io, NULL, &wait) < 0)
        return -1;
    pid_t maker = fork();
    if (maker == 0)
        _exit(mkdir(dir, 0755) < 0 ? errno : 0);
    int st;
    if (maker < 0 || waitpid(maker, &st, 0) < 0)
        return -1;
    bool held = lease_held(fd);
    fcntl(fd, F_SETLEASE, F_UNLCK);
    int wst;
    waitpid(writer, &wst, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        errno = WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
        return -1;
    }
    if (!held) {
        puts("stalled");
        exit(1);
    }
    if (!WIFEXITED(wst) || WEXITSTATUS(wst)) {
        puts("writer-failed");
        exit(1);
    }
    return 0;
}

/* The guard walks a restricted openat2 for a thread with a root of its own
 * in a child that has the workload's uid.  A child process loops such
 * opens; this one watches the pid namespace's last pid and stops (SIGSTOP)
 * the first new process that is neither: the guard's walker.  Then it makes
 * DIR, a call the guard answers: it must come back (ok, or the refusal's
 * errno) instead of waiting behind the stopped walker.  Prints the mkdir's
 * result; "no-walker" if none was caught in 20 s. */
static int last_pid(void)
{
    char b[32] = { 0 };
    int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, b, sizeof b - 1) < 0)
        b[0] = '\0';
    if (fd >= 0)
        close(fd);
    return atoi(b);
}

static long stop_walker(const char *dir)
{
    pid_t opener = fork();
    if (opener == 0) {
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
        for (;;) {
            int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/etc/hostname", &how, sizeof how);
            if (fd >= 0)
                close(fd);
        }
    }
    int base = last_pid();
    pid_t stopped = 0;
    for (time_t t0 = time(NULL); !stopped && time(NULL) - t0 < 20;) {
        int last = last_pid();
        for (int p = last - 1; p <= last + 3 && !stopped; p++)
            if (p > base && p != opener && p != getpid() && kill(p, SIGSTOP) == 0)
                stopped = p;
    }
    kill(opener, SIGKILL);
    waitpid(opener, NULL, 0);
    if (!stopped) {
        puts("no-walker");
        exit(1);
    }
    long r = mkdir(dir, 0755);
    int e = errno;
    kill(stopped, SIGCONT); /* gone, if the guard ended it */
    errno = e;
    return r;
}

static long caps(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) ||
            !strncmp(line, "Seccomp:", 8) || !strncmp(line, "Uid:", 4))
            fputs(line, stdout);
    exit(0);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *a = argv[1], *x = argc > 2 ? argv[2] : "", *y = argc > 3 ? argv[3] : "";
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(a, "write")) return result(do_write(x));
    if (!strcmp(a, "read")) return result(do_read(x));
    if (!strcmp(a, "mkdir")) return result(mkdir(x, 0755));
    if (!strcmp(a, "symlink")) return result(symlink(x, y));
    if (!strcmp(a, "link")) return result(link(x, y));
    if (!strcmp(a, "mknod")) return result(mknod(x, S_IFCHR | 0666, makedev(1, 3)));
    if (!strcmp(a, "unix-socket")) return result(socket(AF_UNIX, SOCK_STREAM, 0));
    if (!strcmp(a, "inet-socket")) return result(socket(AF_INET, SOCK_STREAM, 0));
    if (!strcmp(a, "unix-socketpair")) { int sv[2]; return result(socketpair(AF_UNIX, SOCK_STREAM, 0, sv)); }
    if (!strcmp(a, "io-uring")) { char p[120] = { 0 }; return result(syscall(SYS_io_uring_setup, 4, p)); }
    if (!strcmp(a, "bpf")) { char attr[128] = { 0 }; return result(syscall(SYS_bpf, 0, attr, sizeof attr)); }
    if (!strcmp(a, "userfaultfd")) return result(syscall(SYS_userfaultfd, 0));
    if (!strcmp(a, "keyctl")) return result(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
    if (!strcmp(a, "clone3")) { char args[88] = { 0 }; return result(syscall(SYS_clone3, args, sizeof args)); }
    if (!strcmp(a, "tiocsti")) return result(tiocsti(TIOCSTI));
    if (!strcmp(a, "tiocsti-high")) return result(tiocsti(0xffffffff00000000UL | TIOCSTI));
    if (!strcmp(a, "ptrace")) return result(ptrace(PTRACE_ATTACH, atoi(x), NULL, NULL));
    if (!strcmp(a, "kill")) return result(kill(atoi(x), atoi(y)));
    if (!strcmp(a, "read-environ")) { char p[64]; snprintf(p, sizeof p, "/proc/%s/environ", x); return result(do_read(p)); }
    if (!strcmp(a, "read-cmdline")) { char p[64]; snprintf(p, sizeof p, "/proc/%s/cmdline", x); return result(do_read(p)); }
    if (!strcmp(a, "remount-root-rw")) return result(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL));
    if (!strcmp(a, "unshare-user")) return result(unshare(CLONE_NEWUSER));
    if (!strcmp(a, "caps")) return result(caps());
    if (!strcmp(a, "count-pids")) return result(count_pids());
    if (!strcmp(a, "sleep-forever")) { for (;;) pause(); }
    if (!strcmp(a, "bind")) return result(do_bind(x, y, argc > 4 && !strcmp(argv[4], "v6only"), false));
    if (!strcmp(a, "serve")) return result(do_bind(x, y, argc > 4 && !strcmp(argv[4], "v6only"), true));
    if (!strcmp(a, "fetch")) return result(do_fetch(x, y));
    if (!strcmp(a, "rename")) return result(rename(x, y));
    if (!strcmp(a, "exchange")) return result(syscall(SYS_renameat2, AT_FDCWD, x, AT_FDCWD, y, 2 /* RENAME_EXCHANGE */));
    if (!strcmp(a, "append")) { int fd = open(x, O_WRONLY | O_APPEND | O_CLOEXEC); return result(fd < 0 ? -1 : write(fd, "pwned\n", 6)); }
    if (!strcmp(a, "truncate")) return result(truncate(x, 0));
    if (!strcmp(a, "reopen-write")) return result(reopen_write(x));
    if (!strcmp(a, "tmpfile-link")) return result(tmpfile_link(x, y));
    if (!strcmp(a, "fd-write")) return result(fd_open(x, y, true));
    if (!strcmp(a, "fd-read")) return result(fd_open(x, y, false));
    if (!strcmp(a, "chmod-setuid")) return result(chmod(x, 04755));
    if (!strcmp(a, "create-setuid")) return result(open(x, O_WRONLY | O_CREAT | O_CLOEXEC, 04755));
    if (!strcmp(a, "listen-unbound")) return result(listen_unbound());
    if (!strcmp(a, "race-create")) return result(race_create(x, y, argv[4], argv[5]));
    if (!strcmp(a, "connect-unix")) return result(connect_unix(x));
    if (!strcmp(a, "socket")) return result(socket(atoi(x), atoi(y), atoi(argv[4])));
    if (!strcmp(a, "fill")) return result(fill(x, y));
    if (!strcmp(a, "lease-stall")) return result(lease_stall(x, y, argc > 4 && !strcmp(argv[4], "truncate")));
    if (!strcmp(a, "openat2")) return result(do_openat2(x, y, argc > 4 ? argv[4] : ""));
    if (!strcmp(a, "mount-magic")) return result(mount(x, y, argv[4], 0xC0ED0000UL, argc > 5 ? argv[5] : NULL));
    if (!strcmp(a, "stop-walker")) return result(stop_walker(x));
    if (!strcmp(a, "getuid")) { printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid()); return 0; }
    fprintf(stderr, "attack: unknown attack %s\n", a);
    return 2;
}
