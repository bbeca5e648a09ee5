import Crypto
import SwiftASN1
import X509
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A certificate authority of two tiers, a root and an intermediate that signs: the
/// sandbox's stand-in for DigiCert's. Made once, kept as PEM.
public struct CertificateAuthority: Sendable {
    public let rootPEM: String
    public let intermediatePEM: String
    let rootKeyPEM: String
    let intermediateKeyPEM: String

    /// What to keep to make the same authority again (the keys included: keep it private).
    public var stored: [String: String] {
        ["root": rootPEM, "root_key": rootKeyPEM, "intermediate": intermediatePEM, "intermediate_key": intermediateKeyPEM]
    }

    public init?(stored: [String: String]) {
        guard let r = stored["root"], let rk = stored["root_key"], let i = stored["intermediate"], let ik = stored["intermediate_key"] else { return nil }
        (rootPEM, rootKeyPEM, intermediatePEM, intermediateKeyPEM) = (r, rk, i, ik)
    }

    /// A new root (ECDSA P-384) and intermediate (P-256), valid for 20 and 10 years from `now`.
    public static func make(name: String, now: Int64) throws(CertificateError) -> CertificateAuthority {
        let rootKey = P384.Signing.PrivateKey(), intermediateKey = P256.Signing.PrivateKey()
        do {
            let rootName = try DistinguishedName { CountryName("US"); OrganizationName(name); CommonName("\(name) Root G5") }
            let intermediateName = try DistinguishedName { CountryName("US"); OrganizationName(name); CommonName("\(name) TLS ECC P256 2026 CA1") }
            let start = Date(timeIntervalSince1970: TimeInterval(now - 86_400))
            let root = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(rootKey.publicKey), notValidBefore: start,
                notValidAfter: start.addingTimeInterval(20 * 365 * 86_400), issuer: rootName, subject: rootName,
                signatureAlgorithm: .ecdsaWithSHA384,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: Certificate.PublicKey(rootKey.publicKey))
                },
                issuerPrivateKey: .init(rootKey))
            let intermediate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(intermediateKey.publicKey), notValidBefore: start,
                notValidAfter: start.addingTimeInterval(10 * 365 * 86_400), issuer: rootName, subject: intermediateName,
                signatureAlgorithm: .ecdsaWithSHA384,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: Certificate.PublicKey(intermediateKey.publicKey))
                },
                issuerPrivateKey: .init(rootKey))
            return CertificateAuthority(
                rootPEM: try root.serializeAsPEM().pemString + "\n", intermediatePEM: try intermediate.serializeAsPEM().pemString + "\n",
                rootKeyPEM: try Certificate.PrivateKey(rootKey).serializeAsPEM().pemString + "\n",
                intermediateKeyPEM: try Certificate.PrivateKey(intermediateKey).serializeAsPEM().pemString + "\n")
        } catch {
            throw CertificateError("the certificate authority could not be made: \(error)")
        }
    }

    init(rootPEM: String, intermediatePEM: String, rootKeyPEM: String, intermediateKeyPEM: String) {
        (self.rootPEM, self.intermediatePEM, self.rootKeyPEM, self.intermediateKeyPEM) = (rootPEM, intermediatePEM, rootKeyPEM, intermediateKeyPEM)
    }

    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { UInt8($0) }
        return octets.count == 4 ? octets : nil
    }

    /// A server certificate for the CSR's key, signed by the intermediate: `commonName` and
    /// `dnsNames` as its names, valid from `now` for `days`, the signature hashed with `hash`
    /// (sha256, sha384, sha512). Returns the certificate's PEM.
    public func issue(csr: SigningRequest, commonName: String, dnsNames: [String], organization: String?,
                      now: Int64, days: Int, hash: String) throws(CertificateError) -> String {
        do {
            let issuer = try Certificate(pemEncoded: intermediatePEM)
            let key = try Certificate.PrivateKey(pemEncoded: intermediateKeyPEM)
            let algorithm: Certificate.SignatureAlgorithm = switch hash {
            case "sha384": .ecdsaWithSHA384
            case "sha512": .ecdsaWithSHA512
            default: .ecdsaWithSHA256
            }
            var names = dnsNames
            if !names.contains(commonName) { names.insert(commonName, at: 0) }
            let subject = try DistinguishedName {
                if let organization { OrganizationName(organization) }
                CommonName(commonName)
            }
            let start = Date(timeIntervalSince1970: TimeInterval(now))
            let certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: csr.request.publicKey, notValidBefore: start,
                notValidAfter: start.addingTimeInterval(TimeInterval(days) * 86_400), issuer: issuer.subject, subject: subject,
                signatureAlgorithm: algorithm,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectAlternativeNames(names.map { name in
                        // A dotted quad is an address (a server on 127.0.0.1), anything else a DNS name.
                        if let octets = Self.ipv4(name) { GeneralName.ipAddress(ASN1OctetString(contentBytes: octets[...])) } else { GeneralName.dnsName(name) }
                    })
                },
                issuerPrivateKey: key)
            return try certificate.serializeAsPEM().pemString + "\n"
        } catch {
            throw CertificateError("the certificate could not be issued: \(error)")
        }
    }
}
