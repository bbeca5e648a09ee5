#include "CLineEdit.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <editline/readline.h>

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
    rl_readline_name = (char *)program_name;
    g_completer = completer;
    rl_attempted_completion_function = attempt;
    /* Lua names: a word breaks at anything but letters, digits, '_', '.', ':' */
    rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{}()[],+-*/%^~#";
    rl_completion_append_character = '\0';
    rl_catch_signals = 0;
}

static volatile sig_atomic_t g_sigint;
static void on_sigint(int sig) { (void)sig; g_sigint = 1; }

char *le_readline(const char *prompt, int *interrupted) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint; /* no SA_RESTART: the read returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    g_sigint = 0;
    char *line = readline(prompt);
    sigaction(SIGINT, &old, NULL);
    *interrupted = g_sigint;
    if (g_sigint && line == NULL) {
        /* the line is abandoned; libedit left the terminal mid-line */
        fputc('\n', stdout);
        fflush(stdout);
    }
    return line;
}

void le_add_history(const char *line) { add_history(line); }
int le_read_history(const char *path) { return read_history(path); }

int le_append_history(const char *path) {
    /* libedit's append_history is unreliable across versions: write the whole file. */
    return write_history(path);
}

void le_set_sigint_handler(void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}
