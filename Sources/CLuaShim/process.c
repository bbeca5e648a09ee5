/*
 * os.execute and os.exit, kept in the runtime's hands.
 *
 * system(3) ignores SIGINT in the caller while the command runs, so a Ctrl-C or a
 * `kill -INT` sent to storescript alone during os.execute("sleep 10") would be lost; this
 * os.execute spawns /bin/sh itself and leaves the signal handling as it is. Its answers are
 * loslib.c's (luaL_execresult). The child gets default signal dispositions and mask.
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
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    int err = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (err != 0) {
        errno = err;
        return -1;
    }
    int stat;
    while (waitpid(pid, &stat, 0) < 0) {
        if (errno != EINTR) return -1;
    }
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
    if (lua_toboolean(L, 2)) shim_close(L);
    exit(status);
}

int shim_open_process(lua_State *L) {
    lua_getglobal(L, "os");
    lua_pushcfunction(L, os_execute);
    lua_setfield(L, -2, "execute");
    lua_pushcfunction(L, os_exit);
    lua_setfield(L, -2, "exit");
    lua_pop(L, 1);
    return 0;
}
