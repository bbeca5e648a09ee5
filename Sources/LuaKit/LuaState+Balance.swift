import CLua

extension LuaState {
    /// Runs a stack helper and checks its stated effect on the way out, in every build:
    /// `delta` values pushed (negative: popped) on success, `failed` on a throw (0: untouched).
    /// A debug build stops at the mistake; a release build restores the stack and throws,
    /// so a helper's bug becomes a Lua error instead of a corrupted stack.
    @inline(__always)
    func balanced<T>(_ delta: Int32, failed: Int32 = 0, _ helper: StaticString = #function, _ body: () throws -> T) throws -> T {
        let before = lua_gettop(L)
        let result: T
        do {
            result = try body()
        } catch {
            if lua_gettop(L) != before + failed { try unbalanced(helper, lua_gettop(L) - before, stated: failed, restore: before + failed) }
            throw error
        }
        if lua_gettop(L) != before + delta { try unbalanced(helper, lua_gettop(L) - before, stated: delta, restore: before + failed) }
        return result
    }

    private func unbalanced(_ helper: StaticString, _ effect: Int32, stated: Int32, restore: Int32) throws {
        assertionFailure("\(helper): stack effect \(effect), stated \(stated)")
        lua_settop(L, restore)
        throw LuaError(.runtime, "internal error: \(helper) left the Lua stack unbalanced (\(effect), stated \(stated))")
    }
}
