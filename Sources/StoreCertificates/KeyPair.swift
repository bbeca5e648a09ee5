import _CryptoExtras
import Crypto
import X509

/// Private keys: made, read and described. A key's PEM is PKCS#8 (`BEGIN PRIVATE KEY`) for
/// ECDSA and PKCS#1 (`BEGIN RSA PRIVATE KEY`) for RSA, as openssl and BigCommerce take them.
public enum KeyPair {
    public enum Kind: Sendable, Equatable {
        case rsa(bits: Int)
        case ecdsa(curve: String)
    }

    /// A new private key, as PEM.
    public static func make(_ kind: Kind) throws(CertificateError) -> String {
        let key: Certificate.PrivateKey
        switch kind {
        case .rsa(let bits):
            guard [2048, 3072, 4096].contains(bits) else { throw CertificateError("RSA keys are 2048, 3072 or 4096 bits, not \(bits)") }
            do {
                key = Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits)))
            } catch {
                throw CertificateError("the RSA key could not be made: \(error)")
            }
        case .ecdsa(let curve):
            switch curve.uppercased() {
            case "P-256", "P256", "PRIME256V1": key = Certificate.PrivateKey(P256.Signing.PrivateKey())
            case "P-384", "P384", "SECP384R1": key = Certificate.PrivateKey(P384.Signing.PrivateKey())
            default: throw CertificateError("ECDSA curves are P-256 or P-384, not \(curve)")
            }
        }
        do {
            return try key.serializeAsPEM().pemString + "\n"
        } catch {
            throw CertificateError("the key could not be written as PEM: \(error)")
        }
    }

    public static func read(_ pem: String) throws(CertificateError) -> Certificate.PrivateKey {
        guard let block = PEMBundle.blocks(pem).first(where: { $0.label.hasSuffix("PRIVATE KEY") }) else {
            throw CertificateError("not a PEM private key (no BEGIN PRIVATE KEY block)")
        }
        do {
            return try Certificate.PrivateKey(pemEncoded: block.pem)
        } catch {
            throw CertificateError("the private key cannot be read (\(error))")
        }
    }

    /// `rsa-2048`, `ecdsa-p256`, `ecdsa-p384`, `ed25519`.
    static func describe(_ key: Certificate.PublicKey) -> String {
        if let rsa = _RSA.Signing.PublicKey(key) { return "rsa-\(rsa.keySizeInBits)" }
        if P256.Signing.PublicKey(key) != nil { return "ecdsa-p256" }
        if P384.Signing.PublicKey(key) != nil { return "ecdsa-p384" }
        if P521.Signing.PublicKey(key) != nil { return "ecdsa-p521" }
        if Curve25519.Signing.PublicKey(key) != nil { return "ed25519" }
        return "unknown"
    }

    /// The type of a private key's PEM (`rsa-2048`, `ecdsa-p256`).
    public static func describe(privateKeyPEM pem: String) throws(CertificateError) -> String {
        describe(try read(pem).publicKey)
    }
}
