import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import NIOSSL

extension StoreClient {
    /// What a transport failure means for the request, in one sentence: the host and port,
    /// what failed (DNS, connect, TLS, timeout, reset), and whether the request may have
    /// reached the server — from whether any of it was written (`sent`), not from the
    /// error's wording.
    func classify(_ error: any Error, _ r: APIRequest, sent: Bool) -> StoreError {
        let at = endpoint.hostAndPort
        if error is ResponseAccumulator.ResponseTooBigError {
            let limit = min(StoreClient.maxBody, r.maxAnswerBytes ?? .max)
            return StoreError(kind: .invalidResponse, title: "the answer is larger than the \(limit) bytes this run may hold "
                + "(the memory limit, or 64 MB); ask for less (a smaller limit, include_fields)", method: r.method, path: r.path, retryable: false)
        }
        if let e = error as? HTTPClientError, e.shortDescription == "Invalid header field values" {
            // Nothing was sent and nothing will be: a header (the credential) cannot be sent at all.
            return StoreError(kind: .refused, title: "a header value holds a character HTTP cannot carry (a line break in the "
                + "access token or API key?); nothing was sent", method: r.method, path: r.path, retryable: false)
        }
        let text = endpoint.credential.redact(String(describing: error))
        if error is NIOSSLError || error is BoringSSLError || text.contains("handshakeFailed") {
            // Nothing was sent: the server's certificate did not verify (or TLS failed).
            let why = text.contains("CERTIFICATE_VERIFY_FAILED") ? "its certificate did not verify" : text
            return StoreError(kind: .refused, title: "TLS with \(at) failed: \(why); a proxy that re-signs traffic "
                + "needs its CA in the profile's ca_file", method: r.method, path: r.path, retryable: false)
        }
        let failure = TransportFailure(error, timeout: r.timeout, host: endpoint.host)
        let what = endpoint.credential.redact(failure.what)
        if !sent {
            return StoreError(kind: .notSent, title: "could not reach \(at): \(what); the request was not sent",
                              method: r.method, path: r.path, retryable: true)
        }
        let idempotent = r.method != "POST"
        if failure.timedOut {
            return StoreError(kind: .timeout, title: "\(at) gave no answer within \(StoreClient.seconds(r.timeout)) s; "
                + "the request was sent and may have been applied", method: r.method, path: r.path, retryable: idempotent)
        }
        return StoreError(kind: .outcomeUnknown, title: "\(what) (\(at)) after the request was sent; it may have been applied",
                          method: r.method, path: r.path, retryable: idempotent)
    }

    /// `1` for 1.0, `0.5` for 0.5: seconds as a person writes them.
    public static func seconds(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}

/// What failed, read from the error's type (not its wording).
struct TransportFailure {
    let what: String
    let timedOut: Bool

    init(_ error: any Error, timeout: Double, host: Substring) {
        (what, timedOut) = TransportFailure.describe(error, timeout: timeout, host: host)
    }

    private static func describe(_ error: any Error, timeout: Double, host: Substring) -> (String, Bool) {
        switch error {
        case let e as HTTPClientError:
            if e == .connectTimeout { return ("the connection timed out", false) }
            if e == .deadlineExceeded || e == .readTimeout || e == .writeTimeout {
                return ("no answer within \(StoreClient.seconds(timeout)) s", true)
            }
            if e == .remoteConnectionClosed { return ("the connection was closed", false) }
            return ("\(e)", false)
        case let e as NIOConnectionError:
            if let first = e.connectionErrors.first { return describe(first.error, timeout: timeout, host: host) }
            return ("the DNS lookup of \(host.prefix { $0 != ":" }) failed", false)
        case is SocketAddressError:
            return ("the DNS lookup of \(host.prefix { $0 != ":" }) failed", false)
        case let e as IOError:
            switch e.errnoCode {
            case ECONNREFUSED: return ("the connection was refused", false)
            case ECONNRESET: return ("the connection was reset", false)
            case EPIPE: return ("the connection was closed", false)
            case EHOSTUNREACH: return ("the host is unreachable", false)
            case ENETUNREACH: return ("the network is unreachable", false)
            case ETIMEDOUT: return ("the connection timed out", false)
            default: return (String(cString: strerror(e.errnoCode)), false)
            }
        case let e as ChannelError:
            if case .connectTimeout = e { return ("the connection timed out", false) }
            return ("\(e)", false)
        default:
            return ("\(error)", false)
        }
    }
}
