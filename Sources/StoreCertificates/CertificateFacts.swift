import Crypto
import SwiftASN1
import X509
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a certificate says, read from its PEM: the facts an operator and the API show.
public struct CertificateFacts: Sendable {
    public let subject: String
    public let issuer: String
    public let commonName: String?
    public let issuerCommonName: String?
    /// The DNS names of the subject alternative names.
    public let dnsNames: [String]
    /// Seconds since the epoch.
    public let notBefore: Int64
    public let notAfter: Int64
    /// Hex, lowercase, as DigiCert and browsers show it.
    public let serial: String
    public let sha1: String
    public let sha256: String
    /// `rsa-2048`, `ecdsa-p256`, ...
    public let keyType: String
    /// `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, ...
    public let signatureAlgorithm: String
    public let isCA: Bool

    let certificate: Certificate

    public init(pem: String) throws(CertificateError) {
        do {
            certificate = try Certificate(pemEncoded: pem)
        } catch {
            throw CertificateError("not a PEM certificate (\(error))")
        }
        subject = certificate.subject.description
        issuer = certificate.issuer.description
        commonName = Names.commonName(certificate.subject)
        issuerCommonName = Names.commonName(certificate.issuer)
        dnsNames = (try? certificate.extensions.subjectAlternativeNames).flatMap { $0 }.map(Names.dnsNames) ?? []
        notBefore = Int64(certificate.notValidBefore.timeIntervalSince1970)
        notAfter = Int64(certificate.notValidAfter.timeIntervalSince1970)
        serial = Hex.string(certificate.serialNumber.bytes)
        var serializer = DER.Serializer()
        try? serializer.serialize(certificate)
        sha1 = Hex.string(Insecure.SHA1.hash(data: serializer.serializedBytes))
        sha256 = Hex.string(SHA256.hash(data: serializer.serializedBytes))
        keyType = KeyPair.describe(certificate.publicKey)
        signatureAlgorithm = Names.signatureAlgorithm(certificate.signatureAlgorithm)
        isCA = (try? certificate.extensions.basicConstraints).flatMap { $0 }.map { if case .isCertificateAuthority = $0 { true } else { false } } ?? false
    }

    /// Whether the certificate's names cover `host` (RFC 6125).
    public func covers(_ host: String) -> Bool { HostCoverage.covers(names: dnsNames, commonName: commonName, host: host) }

    /// Whether the private key (PEM) is the one whose public half the certificate carries.
    public func matches(keyPEM: String) -> Bool {
        guard let key = try? Certificate.PrivateKey(pemEncoded: keyPEM) else { return false }
        return key.publicKey == certificate.publicKey
    }

    /// Whether `issuer` signed this certificate.
    public func isSigned(by issuer: CertificateFacts) -> Bool {
        certificate.issuer == issuer.certificate.subject
            && issuer.certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    public var pem: String { (try? certificate.serializeAsPEM().pemString).map { $0 + "\n" } ?? "" }
}

enum Names {
    static func commonName(_ name: DistinguishedName) -> String? {
        for rdn in name { for attribute in rdn where attribute.type == .RDNAttributeType.commonName { return attribute.value.description } }
        return nil
    }

    static func dnsNames(_ names: SubjectAlternativeNames) -> [String] {
        names.compactMap { if case .dnsName(let n) = $0 { n } else { nil } }
    }

    static func signatureAlgorithm(_ a: Certificate.SignatureAlgorithm) -> String {
        switch a {
        case .sha256WithRSAEncryption: "sha256WithRSAEncryption"
        case .sha384WithRSAEncryption: "sha384WithRSAEncryption"
        case .sha512WithRSAEncryption: "sha512WithRSAEncryption"
        case .sha1WithRSAEncryption: "sha1WithRSAEncryption"
        case .ecdsaWithSHA256: "ecdsa-with-SHA256"
        case .ecdsaWithSHA384: "ecdsa-with-SHA384"
        case .ecdsaWithSHA512: "ecdsa-with-SHA512"
        case .ed25519: "ed25519"
        default: a.description
        }
    }
}

/// A SHA-256 of bytes, in hex: what the sandbox keeps instead of a secret it must not store.
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> String { Hex.string(SHA256.hash(data: bytes)) }
    /// SHA-1, where a format asks for it (a webhook callback's `hash`); never for security.
    public static func sha1(_ bytes: [UInt8]) -> String { Hex.string(Insecure.SHA1.hash(data: bytes)) }
}

enum Hex {
    static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }
}
