/*
 * Text-only loading. Bytecode can crash the VM (the loader does not verify it), so load,
 * loadfile, dofile, require and the script itself refuse a precompiled chunk before the
 * loader sees a byte of it; everything else is lauxlib.c's and lbaselib.c's (Lua 5.4.4),
 * mode arguments included: `load(text, name, "b")` fails as it does under lua5.4.
 * Files are read as a stream, as lua5.4 reads them: a FIFO or /dev/zero is never read
 * whole, and what the parser keeps counts against the memory limit.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BINARY_REFUSED "attempt to load a binary chunk (storescript loads source text only)"

/* ---- files (lauxlib.c's luaL_loadfilex) --------------------------------------------------- */

typedef struct LoadF {
    int n;              /* number of pre-read characters */
    FILE *f;            /* file being read */
    char buff[BUFSIZ];  /* area for reading file */
} LoadF;

static const char *getF(lua_State *L, void *ud, size_t *size) {
    LoadF *lf = (LoadF *)ud;
    (void)L;
    if (lf->n > 0) { /* are there pre-read characters to be read? */
        *size = (size_t)lf->n;
        lf->n = 0;
    } else {
        if (feof(lf->f)) return NULL;
        *size = fread(lf->buff, 1, sizeof(lf->buff), lf->f); /* read block */
    }
    return lf->buff;
}

static int errfile(lua_State *L, const char *what, int fnameindex) {
    const char *serr = strerror(errno);
    const char *filename = lua_tostring(L, fnameindex) + 1;
    lua_pushfstring(L, "cannot %s %s: %s", what, filename, serr);
    lua_remove(L, fnameindex);
    return LUA_ERRFILE;
}

static int skipBOM(LoadF *lf) {
    const char *p = "\xEF\xBB\xBF"; /* UTF-8 BOM mark */
    int c;
    lf->n = 0;
    do {
        c = getc(lf->f);
        if (c == EOF || c != *(const unsigned char *)p++) return c;
        lf->buff[lf->n++] = (char)c; /* to be read by the parser */
    } while (*p != '\0');
    lf->n = 0; /* prefix matched; discard it */
    return getc(lf->f);
}

static int skipcomment(LoadF *lf, int *cp) {
    int c = *cp = skipBOM(lf);
    if (c == '#') { /* first line is a comment (Unix exec. file)? */
        do { c = getc(lf->f); } while (c != EOF && c != '\n');
        *cp = getc(lf->f); /* skip end-of-line, if present */
        return 1;
    }
    return 0;
}

/* [-0, +1]: the chunk or a message. `chunkname` NULL: "@filename" (or "=stdin"). */
static int loadfile(lua_State *L, const char *filename, const char *chunkname, const char *mode) {
    LoadF lf;
    int status, readstatus, c;
    int fnameindex = lua_gettop(L) + 1; /* index of filename on the stack */
    if (filename == NULL) {
        lua_pushliteral(L, "=stdin");
        lf.f = stdin;
    } else {
        lua_pushfstring(L, "@%s", filename);
        lf.f = fopen(filename, "r");
        if (lf.f == NULL) return errfile(L, "open", fnameindex);
    }
    if (skipcomment(&lf, &c)) lf.buff[lf.n++] = '\n'; /* keep line numbers */
    if (c == LUA_SIGNATURE[0]) {
        if (filename) fclose(lf.f);
        lua_settop(L, fnameindex - 1);
        lua_pushliteral(L, BINARY_REFUSED);
        return SHIM_LOAD_BINARY;
    }
    if (c != EOF) lf.buff[lf.n++] = (char)c; /* 'c' is the first character of the stream */
    status = lua_load(L, getF, &lf, chunkname ? chunkname : lua_tostring(L, -1), mode);
    readstatus = ferror(lf.f);
    if (filename) fclose(lf.f); /* close file (even in case of errors) */
    if (readstatus) {
        lua_settop(L, fnameindex); /* ignore results from 'lua_load' */
        return errfile(L, "read", fnameindex);
    }
    lua_remove(L, fnameindex);
    return status;
}

static int p_loadscript(lua_State *L) { /* (path or NULL, chunkname) -> chunk or message, status */
    const char *path = (const char *)lua_touserdata(L, 1);
    const char *chunkname = (const char *)lua_touserdata(L, 2);
    int status = loadfile(L, path, chunkname, "t");
    lua_pushinteger(L, status);
    return 2;
}

int shim_loadscript(lua_State *L, const char *path, const char *chunkname) {
    if (!lua_checkstack(L, 4)) return LUA_ERRMEM;
    lua_pushcfunction(L, p_loadscript);
    lua_pushlightuserdata(L, (void *)path);
    lua_pushlightuserdata(L, (void *)chunkname);
    int st = lua_pcall(L, 2, 2, 0);
    if (st != LUA_OK) return st; /* the message is on top */
    st = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (st == LUA_ERRFILE) st = SHIM_LOAD_OPEN;
    return st;
}

int shim_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name, const char *mode) {
    if (len > 0 && buf[0] == LUA_SIGNATURE[0]) {
        lua_pushliteral(L, BINARY_REFUSED);
        return LUA_ERRSYNTAX;
    }
    return luaL_loadbufferx(L, buf, len, name, mode);
}

/* ---- load, loadfile, dofile (lbaselib.c's) --------------------------------------------------- */

static int load_aux(lua_State *L, int status, int envidx) {
    if (status == LUA_OK) {
        if (envidx != 0) {                  /* 'env' parameter? */
            lua_pushvalue(L, envidx);         /* environment for loaded function */
            if (!lua_setupvalue(L, -2, 1))    /* set it as 1st upvalue */
                lua_pop(L, 1);
        }
        return 1;
    }
    luaL_pushfail(L);
    lua_insert(L, -2); /* put before error message */
    return 2;          /* return fail plus error message */
}

#define RESERVEDSLOT 5

/* Reads the pieces of a reader function; the first piece that is not empty must not start
   a binary chunk. */
static const char *generic_reader(lua_State *L, void *ud, size_t *size) {
    int *first = (int *)ud;
    luaL_checkstack(L, 2, "too many nested functions");
    lua_pushvalue(L, 1); /* get function */
    lua_call(L, 0, 1);   /* call it */
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        *size = 0;
        return NULL;
    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "reader function must return a string");
    }
    lua_replace(L, RESERVEDSLOT); /* save string in reserved slot */
    const char *s = lua_tolstring(L, RESERVEDSLOT, size);
    if (*first && *size > 0) {
        *first = 0;
        if (s[0] == LUA_SIGNATURE[0]) luaL_error(L, BINARY_REFUSED);
    }
    return s;
}

static int b_load(lua_State *L) {
    int status;
    size_t l;
    const char *s = lua_tolstring(L, 1, &l);
    const char *mode = luaL_optstring(L, 3, "bt");
    int env = (!lua_isnone(L, 4) ? 4 : 0); /* 'env' index or 0 if no 'env' */
    if (s != NULL) {                        /* loading a string? */
        const char *chunkname = luaL_optstring(L, 2, s);
        status = shim_loadbuffer(L, s, l, chunkname, mode);
    } else { /* loading from a reader function */
        const char *chunkname = luaL_optstring(L, 2, "=(load)");
        int first = 1;
        luaL_checktype(L, 1, LUA_TFUNCTION);
        lua_settop(L, RESERVEDSLOT); /* create reserved slot */
        status = lua_load(L, generic_reader, &first, chunkname, mode);
    }
    return load_aux(L, status, env);
}

static int b_loadfile(lua_State *L) {
    const char *fname = luaL_optstring(L, 1, NULL);
    const char *mode = luaL_optstring(L, 2, NULL);
    int env = (!lua_isnone(L, 3) ? 3 : 0); /* 'env' index or 0 if no 'env' */
    int status = loadfile(L, fname, NULL, mode);
    return load_aux(L, status, env);
}

static int dofilecont(lua_State *L, int d1, lua_KContext d2) {
    (void)d1;
    (void)d2;
    return lua_gettop(L) - 1;
}

static int b_dofile(lua_State *L) {
    const char *fname = luaL_optstring(L, 1, NULL);
    lua_settop(L, 1);
    if (loadfile(L, fname, NULL, NULL) != LUA_OK) return lua_error(L);
    lua_callk(L, 0, LUA_MULTRET, 0, dofilecont);
    return dofilecont(L, 0, 0);
}

static const luaL_Reg base_funcs[] = {
    {"load", b_load}, {"loadfile", b_loadfile}, {"dofile", b_dofile}, {NULL, NULL}};

int shim_open_loading(lua_State *L) {
    shim_patch(L, NULL, base_funcs);
    return 0;
}
