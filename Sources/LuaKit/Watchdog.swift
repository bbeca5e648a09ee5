import CLuaShim

/// The process's watchdog (CLuaShim's watchdog.c): a thread that ends the process when a stop
/// (Ctrl-C, SIGTERM, the deadline) is not honoured by running code within `grace` seconds —
/// a script inside a long C call, a finalizer, a blocking read, or still being read.
public enum Watchdog {
    public enum Mode { case run, repl }

    /// The whole lines written to stderr when the watchdog ends the process.
    public struct Messages {
        public var interrupt: String?
        public var timeout: String?
        public var terminate: String?
        public init(interrupt: String?, timeout: String?, terminate: String?) {
            self.interrupt = interrupt
            self.timeout = timeout
            self.terminate = terminate
        }

        /// The same without the interrupt's: in the REPL a Ctrl-C stops the chunk, not the process.
        public var leavingInterrupts: Messages { Messages(interrupt: nil, timeout: timeout, terminate: terminate) }
    }

    /// Watches `lua` from now on, and takes SIGINT and SIGTERM. In `.repl` mode an interrupt
    /// is left to the REPL (a second Ctrl-C while the first is pending ends the process).
    @discardableResult
    public static func start(_ lua: LuaState, mode: Mode, grace: Double = 0.5, messages: Messages) -> Bool {
        messages.interrupt.withOptionalCString { i in
            messages.timeout.withOptionalCString { t in
                messages.terminate.withOptionalCString { m in
                    shim_watchdog_start(lua.runtime, mode == .run ? SHIM_WATCH_RUN : SHIM_WATCH_REPL, grace,
                                        shim_watch_messages(interrupt: i, timeout: t, terminate: m)) != 0
                }
            }
        }
    }

    /// The deadline to enforce (monotonic seconds), or nil; clears a pending timeout.
    public static func arm(deadline: Double?) { shim_watchdog_arm(deadline ?? 0) }

    /// Whether the caller may report how the run ended: false when the watchdog is already
    /// ending the process (the caller must then wait for it).
    public static func claimExit() -> Bool { shim_watchdog_claim_exit() != 0 }
}

extension Optional where Wrapped == String {
    func withOptionalCString<R>(_ body: (UnsafePointer<CChar>?) -> R) -> R {
        switch self {
        case .some(let s): s.withCString { body($0) }
        case .none: body(nil)
        }
    }
}
