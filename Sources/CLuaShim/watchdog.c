/*
 * The watchdog: a thread beside the Lua thread that makes every stop a hard guarantee.
 *
 * The runtime hook stops running Lua code within SHIM_HOOK_PERIOD instructions of a stop
 * being asked, but it cannot run inside a long C call (a pattern match, a sort, a json
 * call), inside a finalizer (Lua turns hooks off there), while a blocking read waits, or
 * while the script is still being read. So the stops are also asked of this thread: SIGINT
 * and SIGTERM reach it through a pipe, and it keeps the deadline. A stop still unanswered
 * `grace` seconds after it was asked ends the process: the stop's message, what can be
 * flushed of stdout, then _exit with the stop's status (130, 4, 143).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

static struct {
    pthread_mutex_t lock;
    int started;
    int pipe[2];
    shim_runtime *rt;
    int mode;
    double grace;
    char *messages[4];   /* by SHIM_STOP_* */
    double deadline;     /* 0: none */
    int pending;         /* the stop asked and not answered */
    double asked;        /* when it was asked */
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .pipe = {-1, -1}};

static atomic_int g_exit_claimed;

static int status_of(int stop) {
    switch (stop) {
    case SHIM_STOP_TIMEOUT: return 4;
    case SHIM_STOP_INTERRUPT: return 130;
    default: return 143;
    }
}

static void poke(char c) {
    if (g.pipe[1] >= 0) (void)!write(g.pipe[1], &c, 1);
}

static void write_all(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* A second SIGINT while the first is unanswered ends the process at once. The command
   os.execute waits for gets the signal too (a `kill` aimed at storescript alone). */
static void on_signal(int sig) {
    int saved = errno;
    shim_runtime *rt = g.rt;
    pid_t child = (pid_t)shim_child_pid;
    if (child != 0) kill(child, sig);
    if (sig == SIGINT) {
        if (rt->interrupt) {
            const char *m = g.messages[SHIM_STOP_INTERRUPT];
            if (m) write_all(2, m, strlen(m));
            if (child != 0) kill(child, SIGKILL);
            _exit(130);
        }
        rt->interrupt = 1;
        poke('I');
    } else {
        rt->terminate = 1;
        poke('T');
    }
    errno = saved;
}

static void end_process(int stop) {
    pid_t child = (pid_t)shim_child_pid;
    if (child != 0) kill(child, SIGKILL);
    if (atomic_exchange(&g_exit_claimed, 1) == 0) {
        /* The Lua thread may hold stdout's lock (blocked writing to a full pipe): flush only
           if it is free. */
        if (ftrylockfile(stdout) == 0) {
            fflush_unlocked(stdout);
            funlockfile(stdout);
        }
        const char *m = g.messages[stop];
        if (m) write_all(2, m, strlen(m));
    } else {
        /* The Lua thread is reporting how the run ended: let it, for one more grace. */
        usleep((useconds_t)(g.grace * 1e6));
    }
    _exit(status_of(stop));
}

static void ask(int stop, double now) {
    if (g.pending == SHIM_STOP_NONE) {
        g.pending = stop;
        g.asked = now;
    }
}

static void *watch(void *unused) {
    (void)unused;
    for (;;) {
        double now = shim_monotonic();
        pthread_mutex_lock(&g.lock);
        if (g.deadline > 0 && now >= g.deadline) ask(SHIM_STOP_TIMEOUT, g.deadline);
        int due = g.pending != SHIM_STOP_NONE && now >= g.asked + g.grace ? g.pending : 0;
        double wake = g.pending != SHIM_STOP_NONE ? g.asked + g.grace : g.deadline;
        pthread_mutex_unlock(&g.lock);
        if (due) end_process(due);

        int timeout = -1;
        if (wake > 0) {
            double ms = (wake - now) * 1000.0 + 1;
            timeout = ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
        }
        struct pollfd p = {g.pipe[0], POLLIN, 0};
        if (poll(&p, 1, timeout) <= 0) continue;
        char buf[64];
        ssize_t n = read(g.pipe[0], buf, sizeof buf);
        pthread_mutex_lock(&g.lock);
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == 'T') ask(SHIM_STOP_TERMINATE, shim_monotonic());
            /* In the REPL an interrupt stops the chunk and the REPL goes on. */
            if (buf[i] == 'I' && g.mode == SHIM_WATCH_RUN) ask(SHIM_STOP_INTERRUPT, shim_monotonic());
        }
        pthread_mutex_unlock(&g.lock);
    }
    return NULL;
}

static char *copy(const char *s) { return s ? strdup(s) : NULL; }

int shim_watchdog_start(shim_runtime *rt, int mode, double grace, shim_watch_messages messages) {
    pthread_mutex_lock(&g.lock);
    int ok = 1;
    if (!g.started) {
        if (pipe2(g.pipe, O_CLOEXEC | O_NONBLOCK) != 0) ok = 0;
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        if (ok && pthread_create(&thread, &attr, watch, NULL) != 0) ok = 0;
        pthread_attr_destroy(&attr);
        g.started = ok;
    }
    g.rt = rt;
    g.mode = mode;
    g.grace = grace;
    g.messages[SHIM_STOP_INTERRUPT] = copy(messages.interrupt);
    g.messages[SHIM_STOP_TIMEOUT] = copy(messages.timeout);
    g.messages[SHIM_STOP_TERMINATE] = copy(messages.terminate);
    pthread_mutex_unlock(&g.lock);
    if (!ok) return 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 1;
}

void shim_watchdog_arm(double deadline) {
    pthread_mutex_lock(&g.lock);
    g.deadline = deadline;
    if (g.pending == SHIM_STOP_TIMEOUT) g.pending = SHIM_STOP_NONE;
    pthread_mutex_unlock(&g.lock);
    poke('A');
}

int shim_watchdog_claim_exit(void) { return atomic_exchange(&g_exit_claimed, 1) == 0; }
