import X509
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Certificate signing requests: made from a key and names, and read back.
public struct SigningRequest: Sendable {
    public struct Subject: Sendable {
        public var commonName: String
        public var organization: String?
        public var organizationUnits: [String] = []
        public var country: String?
        public var state: String?
        public var locality: String?
        public init(commonName: String) { self.commonName = commonName }
    }

    public let commonName: String?
    public let dnsNames: [String]
    public let subject: String
    let request: CertificateSigningRequest

    /// A CSR for `keyPEM` naming `subject`, with `dnsNames` as its subject alternative names
    /// (the common name is added first when absent, as CAs expect), as PEM.
    public static func make(keyPEM: String, subject: Subject, dnsNames: [String]) throws(CertificateError) -> String {
        let key = try KeyPair.read(keyPEM)
        guard !subject.commonName.isEmpty else { throw CertificateError("the common name is empty") }
        if let country = subject.country, country.count != 2 { throw CertificateError("country must be a two-letter code, not \(country)") }
        var names = dnsNames
        if !names.contains(subject.commonName) { names.insert(subject.commonName, at: 0) }
        do {
            let dn = try DistinguishedName {
                if let c = subject.country { CountryName(c) }
                if let s = subject.state { StateOrProvinceName(s) }
                if let l = subject.locality { LocalityName(l) }
                if let o = subject.organization { OrganizationName(o) }
                for unit in subject.organizationUnits { OrganizationalUnitName(unit) }
                CommonName(subject.commonName)
            }
            let extensions = try Certificate.Extensions {
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
            }
            let csr = try CertificateSigningRequest(
                version: .v1, subject: dn, privateKey: key,
                attributes: try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]))
            return try csr.serializeAsPEM().pemString + "\n"
        } catch {
            throw CertificateError("the CSR could not be made: \(error)")
        }
    }

    /// Reads a CSR and checks its signature (the requester holds the key).
    public init(pem: String) throws(CertificateError) {
        let text = pem.contains("-----BEGIN") ? pem : "-----BEGIN CERTIFICATE REQUEST-----\n\(pem)\n-----END CERTIFICATE REQUEST-----\n"
        guard let block = PEMBundle.blocks(text).first(where: { $0.label.hasSuffix("CERTIFICATE REQUEST") }) else {
            throw CertificateError("not a PEM certificate signing request")
        }
        do {
            request = try CertificateSigningRequest(pemEncoded: block.pem.replacingNewRequestLabel())
        } catch {
            throw CertificateError("the CSR cannot be read (\(error))")
        }
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw CertificateError("the CSR's signature does not match its public key")
        }
        commonName = Names.commonName(request.subject)
        subject = request.subject.description
        let extensions = (try? request.attributes.extensionRequest).flatMap { $0 }?.extensions
        dnsNames = extensions.flatMap { try? $0.subjectAlternativeNames }.map(Names.dnsNames) ?? []
    }

    /// `rsa-2048`, `ecdsa-p256`, ... of the key the certificate will carry.
    public var keyType: String { KeyPair.describe(request.publicKey) }
}

extension String {
    /// `NEW CERTIFICATE REQUEST` (older tools) reads as `CERTIFICATE REQUEST`.
    func replacingNewRequestLabel() -> String {
        var s = self
        for (old, new) in [("BEGIN NEW CERTIFICATE REQUEST", "BEGIN CERTIFICATE REQUEST"), ("END NEW CERTIFICATE REQUEST", "END CERTIFICATE REQUEST")] {
            while let r = s.firstRange(of: old) { s.replaceSubrange(r, with: new) }
        }
        return s
    }
}
