#define _GNU_SOURCE
#include "CLineEdit.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <editline/readline.h>

static int g_wake[2] = {-1, -1};
static int g_tty = -1;
static int interruptible_getc(FILE *in);

static le_completer_fn g_completer;
static char **g_matches;
static int g_match_index;

/* libedit asks for one match at a time; the Swift completer answers all at once. */
static char *generator(const char *text, int state) {
    (void)text;
    if (state == 0) g_match_index = 0;
    if (g_matches == NULL || g_matches[g_match_index] == NULL) return NULL;
    return strdup(g_matches[g_match_index++]);
}

static void free_matches(void) {
    if (g_matches == NULL) return;
    for (char **m = g_matches; *m != NULL; m++) free(*m);
    free(g_matches);
    g_matches = NULL;
}

static char **attempt(const char *text, int start, int end) {
    (void)end;
    free_matches();
    rl_attempted_completion_over = 1; /* never fall back to file names */
    if (g_completer == NULL) return NULL;
    char *line = strndup(rl_line_buffer, (size_t)start + strlen(text));
    g_matches = g_completer(line, text);
    free(line);
    if (g_matches == NULL || g_matches[0] == NULL) return NULL;
    return rl_completion_matches(text, generator);
}

void le_setup(const char *program_name, le_completer_fn completer) {
    /* libedit reads and shows characters by LC_CTYPE; in the C locale (no LANG, as under cron
       or a bare ssh) it drops every non-ASCII character typed. Lua strings are bytes: UTF-8
       is the right guess. */
    const char *ctype = setlocale(LC_CTYPE, "");
    if (ctype == NULL || strcmp(ctype, "C") == 0 || strcmp(ctype, "POSIX") == 0) setlocale(LC_CTYPE, "C.UTF-8");
    rl_readline_name = (char *)program_name;
    g_completer = completer;
    rl_attempted_completion_function = attempt;
    /* Lua names: a word breaks at anything but letters, digits, '_', '.', ':' */
    rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{}()[],+-*/%^~#";
    rl_completion_append_character = '\0';
    rl_catch_signals = 0;
    if (g_wake[0] < 0 && pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) == 0) {
        /* The terminal opened anew, non-blocking: O_NONBLOCK on standard input itself would
           be shared with the shell. */
        const char *tty = isatty(0) ? ttyname(0) : NULL;
        if (tty != NULL) g_tty = open(tty, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        rl_getc_function = interruptible_getc;
    }
    /* libedit sets itself up on the first history call only for some of them: add_history
       before any read would find it unset. Last: it reads the settings above. */
    using_history();
}

static volatile sig_atomic_t g_sigint;

/* Ctrl-C at the prompt must end the read whenever it comes: a process-directed SIGINT lands
   on any thread (the sandbox's and the HTTP client's run beside the REPL), and one that comes
   between two reads would not interrupt the next. So the handler writes to a pipe, and
   libedit reads its characters through `interruptible_getc`, which waits on the terminal and
   the pipe together. */
static void on_sigint(int sig) {
    (void)sig;
    int saved = errno;
    g_sigint = 1;
    if (g_wake[1] >= 0) (void)write(g_wake[1], "", 1);
    errno = saved;
}

/* Reads one byte of the terminal. `fd` is non-blocking when it can be (see le_setup): a Ctrl-C
   makes the terminal discard what was typed, so input that poll reported may be gone by the
   read, and a blocking read would then wait for the next key. */
static int read_byte(int fd) {
    for (;;) {
        if (g_sigint) return -1;
        struct pollfd p[2] = {{fd, POLLIN, 0}, {g_wake[0], POLLIN, 0}};
        int n = poll(p, 2, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (p[1].revents) {
            char drain[16];
            (void)read(g_wake[0], drain, sizeof drain);
            continue;
        }
        unsigned char c;
        ssize_t r = read(fd, &c, 1);
        if (r == 1) return c;
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        return -1;
    }
}

/* What was typed while a chunk ran. The terminal is in canonical mode then (libedit restores
   it after each line), where a Ctrl-D at the start of a line is kept as an end-of-file
   marker; libedit's switch to raw mode would turn that marker into a NUL. So before each
   prompt the typed-ahead lines are read here (a zero-length read is the marker), and
   `interruptible_getc` serves them first, then the end of file, as python3's REPL does. */
static unsigned char *g_ahead;
static size_t g_ahead_len, g_ahead_pos;
static int g_ahead_eof;

static void drain_typeahead(void) {
    if (g_tty < 0 || g_ahead_eof) return;
    for (;;) {
        unsigned char buf[4096];
        ssize_t n = read(g_tty, buf, sizeof buf);
        if (n == 0) {
            g_ahead_eof = 1;
            return;
        }
        if (n < 0) return; /* EAGAIN: nothing (more) was typed */
        unsigned char *grown = realloc(g_ahead, g_ahead_len + (size_t)n);
        if (grown == NULL) return;
        g_ahead = grown;
        memcpy(g_ahead + g_ahead_len, buf, (size_t)n);
        g_ahead_len += (size_t)n;
    }
}

static int next_byte(int fd) {
    if (g_ahead_pos < g_ahead_len) {
        int c = g_ahead[g_ahead_pos++];
        if (g_ahead_pos == g_ahead_len) g_ahead_pos = g_ahead_len = 0;
        return c;
    }
    if (g_ahead_eof) {
        g_ahead_eof = 0;
        return -1;
    }
    return read_byte(fd);
}

/* One character as libedit wants it: a code point (UTF-8 is decoded here, since libedit
   takes what this returns as a whole character). */
static int interruptible_getc(FILE *in) {
    int fd = g_tty >= 0 ? g_tty : fileno(in);
    int c = next_byte(fd);
    if (c < 0x80) return c < 0 ? EOF : c;
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    int cp = c & (0x3F >> extra);
    for (int i = 0; i < extra; i++) {
        int next = next_byte(fd);
        if (next < 0) return EOF;
        cp = (cp << 6) | (next & 0x3F);
    }
    return cp;
}

char *le_readline(const char *prompt, int *interrupted) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint; /* no SA_RESTART: the read returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    g_sigint = 0;
    drain_typeahead();
    char *line = readline(prompt);
    sigaction(SIGINT, &old, NULL);
    *interrupted = g_sigint;
    if (g_sigint) {
        /* the line is abandoned, and what was typed ahead with it; libedit left the
           terminal mid-line */
        g_ahead_len = g_ahead_pos = 0;
        fputc('\n', stdout);
        fflush(stdout);
    }
    return line;
}

void le_add_history(const char *line) { add_history(line); }

void le_set_sigint_handler(void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}
