/// The one error type that crosses the bridge, both ways.
///
/// Lua → Swift: a failed load, call or resume becomes a `LuaError` with the message, the
/// traceback and (for non-string error values such as API error tables) the value itself.
/// Swift → Lua: a `LuaError` thrown from a Swift function is raised in Lua as its `value`
/// when it has one, otherwise as its message (prefixed with the caller's position).
public struct LuaError: Error, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case runtime
        case syntax
        case memory
        case interrupted
        case timeout
        case terminated
        case argument
        case file
    }

    public var kind: Kind
    public var message: String
    /// The message's bytes as Lua had them, when it came from a Lua string (which may hold any
    /// bytes: `message` repairs invalid UTF-8, a report should not).
    public var messageBytes: [UInt8]?
    public var traceback: String?
    /// The Lua error value when it is not a plain message (API errors are tables).
    public var value: LuaValue? {
        get { carried?.value }
        set { carried = newValue.map(Carried.init) }
    }
    private var carried: Carried?

    /// Errors must be Sendable, Lua values are not: a `LuaError` that carries one is made and
    /// consumed on its state's thread (bridge rule 3), never sent elsewhere.
    private struct Carried: @unchecked Sendable { let value: LuaValue }

    public init(_ kind: Kind = .runtime, _ message: String, traceback: String? = nil, value: LuaValue? = nil) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
        self.carried = value.map(Carried.init)
    }

    public var description: String { message }

    /// An interrupt, a timeout or a termination: the run ends, whatever catches it.
    public var isStop: Bool { kind == .interrupted || kind == .timeout || kind == .terminated }

    /// The message and, when there is one, the traceback: what a user should see.
    public var report: String {
        guard let traceback, !traceback.isEmpty else { return message }
        return message + "\n" + traceback
    }

    /// `name: argument #n (param) expected what, got type`: the wording of every argument check.
    public static func argument(_ function: String, _ index: Int32, _ param: String, expected: String, got: String) -> LuaError {
        LuaError(.argument, "\(function): argument #\(index) (\(param)) expected \(expected), got \(got)")
    }
}
