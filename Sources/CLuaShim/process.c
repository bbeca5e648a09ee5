/*
 * os.execute and os.exit, kept in the runtime's hands.
 *
 * system(3) ignores SIGINT in the caller while the command runs, so a Ctrl-C or a
 * `kill -INT` sent to storescript alone during os.execute("sleep 10") would be lost; this
 * os.execute spawns /bin/sh itself and leaves the signal handling as it is. The watchdog
 * passes SIGINT and SIGTERM on to the command and kills it when it ends the process, so a
 * stopped run leaves nothing running. Its answers are loslib.c's (luaL_execresult). The
 * child gets default signal dispositions and mask.
 *
 * os.exit(code, true) closes the state first, as loslib.c's does; the state is marked
 * closing so that finalizers calling Swift functions get an error, not a dangling object.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

volatile sig_atomic_t shim_child_pid;

static int run_shell(const char *cmd) {
    posix_spawnattr_t attr;
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGQUIT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    /* Without a terminal (cron, a pipe) the command leads its own process group, so that a
       stop reaches everything it started. With one, it stays in ours: job control and the
       terminal's Ctrl-C work as they always do. */
    int own_group = !isatty(0);
    if (own_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, flags);
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    int err = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (err != 0) {
        errno = err;
        return -1;
    }
    int stat, got;
    shim_child_pid = own_group ? -pid : pid;
    while ((got = waitpid(pid, &stat, 0)) < 0 && errno == EINTR) continue;
    shim_child_pid = 0;
    if (got < 0) return -1;
    /* luaL_execresult reads errno: what isatty() or an interrupted waitpid left there is not
       the command's outcome (lua5.4's system() leaves it clean). */
    errno = 0;
    return stat;
}

static int os_execute(lua_State *L) {
    const char *cmd = luaL_optstring(L, 1, NULL);
    if (cmd == NULL) {
        lua_pushboolean(L, access("/bin/sh", X_OK) == 0); /* true if there is a shell */
        return 1;
    }
    errno = 0;
    return luaL_execresult(L, run_shell(cmd));
}

static int os_exit(lua_State *L) {
    int status;
    if (lua_isboolean(L, 1)) status = (lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE);
    else status = (int)luaL_optinteger(L, 1, EXIT_SUCCESS);
    shim_runtime *rt = shim_runtime_of(L);
    if (rt->before_exit != NULL) status = rt->before_exit(L, status);
    if (lua_toboolean(L, 2)) shim_close(L);
    exit(status);
}

int shim_open_process(lua_State *L) {
    static const luaL_Reg funcs[] = {{"execute", os_execute}, {"exit", os_exit}, {NULL, NULL}};
    shim_patch(L, "os", funcs);
    return 0;
}
