#if canImport(Glibc)
import Glibc
#endif
import CLua
import LuaKit
import StoreCertificates

/// `certs`: private keys, CSRs and certificates, with swift-certificates (no openssl).
/// Each function checks its arguments by name and raises a `certs.NAME: ...` error.
enum CertsModule {
    /// Pushes the `certs` table. [-0, +1]
    static func push(_ lua: LuaState) throws {
        try lua.newTable()
        try lua.setFunctions(-1, prefix: "certs", [
            ("key", { call in
                let options = try fields(call, 1, "options", optional: true)
                let type = options["type"]?.text ?? "ecdsa"
                let kind: KeyPair.Kind
                switch type {
                case "rsa": kind = .rsa(bits: Int(options["bits"]?.integer ?? 2048))
                case "ecdsa": kind = .ecdsa(curve: options["curve"]?.text ?? "P-256")
                default: throw LuaError(.argument, "\(call.name): options.type must be \"rsa\" or \"ecdsa\", got \(type)")
                }
                try call.push(try certificates(call) { () throws(CertificateError) in try KeyPair.make(kind) })
                return 1
            }),
            ("csr", { call in
                let o = try fields(call, 1, "options", optional: false)
                guard let key = o["key"]?.text else { throw LuaError(.argument, "\(call.name): options.key (a PEM private key) is required") }
                guard let cn = o["common_name"]?.text else { throw LuaError(.argument, "\(call.name): options.common_name is required") }
                var subject = SigningRequest.Subject(commonName: cn)
                subject.organization = o["organization"]?.text
                subject.organizationUnits = o["organization_units"]?.strings ?? []
                subject.country = o["country"]?.text
                subject.state = o["state"]?.text
                subject.locality = o["locality"]?.text
                let names = o["dns_names"]?.strings ?? []
                try call.push(try certificates(call) { () throws(CertificateError) in
                    try SigningRequest.make(keyPEM: key, subject: subject, dnsNames: names)
                })
                return 1
            }),
            ("parse", { call in
                let pem = try call.string(1, "pem")
                let facts = try certificates(call) { () throws(CertificateError) in
                    guard let first = PEMBundle.certificates(pem).first else { throw CertificateError("no PEM certificate in the text") }
                    return try CertificateFacts(pem: first)
                }
                try call.push(describe(facts))
                return 1
            }),
            ("split", { call in
                let pems = PEMBundle.certificates(try call.string(1, "pem_bundle"))
                try call.push(.table(LuaTable(array: pems.map { .string(LuaString($0)) })))
                return 1
            }),
            ("matches", { call in
                let key = try call.string(1, "key_pem"), pem = try call.string(2, "cert_pem")
                guard let first = PEMBundle.certificates(pem).first, let facts = try? CertificateFacts(pem: first) else {
                    throw LuaError(.argument, "\(call.name): argument #2 (cert_pem) is not a PEM certificate")
                }
                call.push(facts.matches(keyPEM: key))
                return 1
            }),
            ("covers", { call in
                let pem = try call.string(1, "cert_pem"), host = try call.string(2, "hostname")
                guard let first = PEMBundle.certificates(pem).first, let facts = try? CertificateFacts(pem: first) else {
                    throw LuaError(.argument, "\(call.name): argument #1 (cert_pem) is not a PEM certificate")
                }
                call.push(facts.covers(host))
                return 1
            }),
        ])
    }

    /// The certificate's facts as a Lua table; dates are seconds since the epoch, as os.time gives them.
    static func describe(_ f: CertificateFacts) -> LuaValue {
        func text(_ s: String) -> LuaValue { .string(LuaString(s)) }
        var pairs: [(String, LuaValue)] = [
            ("subject", text(f.subject)), ("issuer", text(f.issuer)),
            ("dns_names", .table(LuaTable(array: f.dnsNames.map(text)))),
            ("not_before", .integer(f.notBefore)), ("not_after", .integer(f.notAfter)),
            ("days_left", .integer((f.notAfter - Int64(time(nil))) / 86_400)),
            ("serial", text(f.serial)), ("sha1", text(f.sha1)), ("sha256", text(f.sha256)),
            ("key_type", text(f.keyType)), ("signature_algorithm", text(f.signatureAlgorithm)), ("is_ca", .boolean(f.isCA)),
        ]
        if let cn = f.commonName { pairs.append(("common_name", text(cn))) }
        if let icn = f.issuerCommonName { pairs.append(("issuer_common_name", text(icn))) }
        return .table(LuaTable(fields: Dictionary(uniqueKeysWithValues: pairs.map { (text($0.0), $0.1) })))
    }

    /// The string-keyed fields of argument `i` (a table), or none when it is optional and absent.
    static func fields(_ call: LuaCall, _ i: Int32, _ param: String, optional: Bool) throws -> [String: LuaValue] {
        if optional && call.isNoneOrNil(i) { return [:] }
        try call.table(i, param)
        guard case .table(let t) = try call.value(i) else { return [:] }
        var out: [String: LuaValue] = [:]
        for (k, v) in t.fields { if case .string(let s) = k { out[s.text] = v } }
        return out
    }

    /// Runs `body`; its failure becomes `certs.NAME: why`.
    static func certificates<T>(_ call: LuaCall, _ body: () throws(CertificateError) -> T) throws -> T {
        do throws(CertificateError) { return try body() } catch { throw LuaError(.runtime, "\(call.name): \(error.description)") }
    }
}

extension LuaValue {
    var text: String? { if case .string(let s) = self { s.text } else { nil } }
    var integer: Int64? {
        switch self {
        case .integer(let i): i
        case .number(let d) where d == d.rounded(): Int64(exactly: d)
        default: nil
        }
    }
    /// An array of strings (`{"a", "b"}`).
    var strings: [String]? {
        guard case .table(let t) = self else { return nil }
        return t.array.compactMap(\.text)
    }
}
