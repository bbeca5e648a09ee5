/// A Lua value copied into Swift. Tables are copied deeply; functions, userdata and threads
/// stay in Lua and are held by a `LuaReference`.
public enum LuaValue: Hashable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(LuaString)
    case table(LuaTable)
    case reference(LuaReference)

    public static func string(_ text: String) -> LuaValue { .string(LuaString(text)) }

    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .table: "table"
        case .reference(let r): r.typeName
        }
    }
}

/// Lua strings are byte strings: they may hold any bytes, including zeros and invalid UTF-8.
public struct LuaString: Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { bytes = Array(text.utf8) }
    public init(stringLiteral value: String) { self.init(value) }
    /// The bytes as text (invalid UTF-8 repaired).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { text }
}

/// A table as an array part (keys 1...n) and the rest.
public struct LuaTable: Hashable {
    public var array: [LuaValue]
    public var fields: [LuaValue: LuaValue]
    public init(array: [LuaValue] = [], fields: [LuaValue: LuaValue] = [:]) {
        self.array = array
        self.fields = fields
    }
}

/// A function, userdata or thread kept alive in the registry while Swift holds it.
/// Lives and dies on its state's thread, like the state.
public final class LuaReference: Hashable {
    let handle: LuaHandle
    let ref: Int32
    /// Lua's identity of the object (lua_topointer), so two references to one object are equal.
    let identity: UnsafeRawPointer?
    public let typeName: String

    init(state: LuaState, ref: Int32, identity: UnsafeRawPointer?, typeName: String) {
        self.handle = state.handle
        self.ref = ref
        self.identity = identity
        self.typeName = typeName
    }

    deinit { handle.unref(ref) }

    public static func == (a: LuaReference, b: LuaReference) -> Bool { a.identity == b.identity }
    public func hash(into h: inout Hasher) { h.combine(identity) }
}
