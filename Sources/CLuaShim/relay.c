/*
 * Both halves of `--profiles` supervision.
 *
 * The parent runs nothing itself, so a SIGINT or SIGTERM aimed at it alone (cron's kill, a
 * Kubernetes stop) is passed on to every store's process and reported through a pipe its
 * poll loop watches. A signal the terminal sent (Ctrl-C) went to the whole process group
 * already and is not sent twice: a second SIGINT would end a store's run at once instead of
 * in order. The signals are blocked while a store's process starts, so none falls between
 * its start and its entry in the table.
 *
 * A store's process watches a pipe whose only writer is the parent: when the parent dies
 * (SIGKILL, a crash), the pipe reads end-of-file and the store stops as SIGTERM stops it.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define RELAY_MAX 4096

static pid_t g_children[RELAY_MAX];
static volatile sig_atomic_t g_count;
static volatile sig_atomic_t g_received;
static int g_pipe[2] = {-1, -1};

static void on_relayed(int sig, siginfo_t *info, void *context) {
    (void)context;
    int saved = errno;
    if (info == NULL || info->si_code != SI_KERNEL) {
        for (sig_atomic_t i = 0; i < g_count; i++) kill(g_children[i], sig);
    }
    g_received = sig;
    char c = (char)sig;
    if (g_pipe[1] >= 0) (void)!write(g_pipe[1], &c, 1);
    errno = saved;
}

int shim_relay_start(void) {
    if (g_pipe[0] < 0 && pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_relayed;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return g_pipe[0];
}

int shim_relay_add(pid_t pid) {
    if (g_count >= RELAY_MAX) return 0;
    g_children[g_count] = pid;
    g_count = g_count + 1;
    return 1;
}

int shim_relay_received(void) {
    char buf[64];
    while (read(g_pipe[0], buf, sizeof buf) > 0) {}
    return g_received;
}

void shim_relay_block(int block) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static void *watch_parent(void *arg) {
    int fd = (int)(intptr_t)arg;
    char buf[64];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno != EINTR) break;
    }
    if (n == 0) kill(getpid(), SIGTERM);
    return NULL;
}

int shim_supervised_by(int fd) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int rc = pthread_create(&thread, &attr, watch_parent, (void *)(intptr_t)fd);
    pthread_attr_destroy(&attr);
    return rc == 0;
}
