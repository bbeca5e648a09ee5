/// Why a PEM document, key or request cannot be used, in words a user can act on.
public struct CertificateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
