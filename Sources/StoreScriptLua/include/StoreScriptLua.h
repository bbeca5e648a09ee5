/*
 * The Lua half of StoreScript, compiled into the binary from the files of lua/ (#embed): the runtime
 * never depends on finding files to start, and the Lua stays in .lua files.
 */
#ifndef STORESCRIPT_LUA_H
#define STORESCRIPT_LUA_H

#include <stddef.h>

/* The source of the chunk `name` (the file lua/NAME.lua), or NULL if there is none. */
const char *storescript_lua_chunk(const char *name, size_t *len);

#endif
