/* CLineEdit: the few libedit calls the REPL needs, behind functions Swift can call
   (libedit's completion hooks and history settings are mutable C globals). */
#ifndef CLINEEDIT_H
#define CLINEEDIT_H

/* Returns the completions of `word` (the text before the cursor is `line`), as a
   malloc'd NULL-terminated array of malloc'd strings, or NULL. */
typedef char **(*le_completer_fn)(const char *line, const char *word);

void le_setup(const char *program_name, le_completer_fn completer);
/* A malloc'd line without its newline, or NULL on end of input. *interrupted is set
   when Ctrl-C abandoned the line. */
char *le_readline(const char *prompt, int *interrupted);
void le_add_history(const char *line);
/* Restores the default Ctrl-C behaviour set by the REPL while a chunk runs. */
void le_set_sigint_handler(void (*handler)(int));

#endif
