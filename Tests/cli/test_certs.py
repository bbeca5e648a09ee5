"""The certs module: keys, CSRs and certificates, checked against another X.509 stack
(cryptography, on OpenSSL)."""
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sandbox_support import self_signed


def test_keys_and_csrs_are_read_by_openssl(run, tmp_path):
    code = """
for _, spec in ipairs{ {type = "rsa", bits = 2048}, {type = "ecdsa", curve = "P-384"} } do
  local key = certs.key(spec)
  local csr = certs.csr{key = key, common_name = "shop.example.com", dns_names = {"www.example.com"},
                        organization = "Shop Ltd", organization_units = {"Web"}, country = "GB"}
  io.open(spec.type .. ".key", "w"):write(key):close()
  io.open(spec.type .. ".csr", "w"):write(csr):close()
end
"""
    r = run("run", "-e", code, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rsa_key = serialization.load_pem_private_key((tmp_path / "rsa.key").read_bytes(), None)
    assert isinstance(rsa_key, rsa.RSAPrivateKey) and rsa_key.key_size == 2048
    ec_key = serialization.load_pem_private_key((tmp_path / "ecdsa.key").read_bytes(), None)
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey) and ec_key.curve.name == "secp384r1"
    for kind, key in [("rsa", rsa_key), ("ecdsa", ec_key)]:
        csr = x509.load_pem_x509_csr((tmp_path / f"{kind}.csr").read_bytes())
        assert csr.is_signature_valid and csr.public_key().public_numbers() == key.public_key().public_numbers()
        names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        assert names == ["shop.example.com", "www.example.com"]
        assert "O=Shop Ltd" in csr.subject.rfc4514_string() and "C=GB" in csr.subject.rfc4514_string()


def test_certificates_made_by_openssl_are_parsed_matched_and_split(run, tmp_path):
    pem, key = self_signed("*.example.com", days=30, names=["example.com"])
    other_pem, _ = self_signed("other.example.org")
    (tmp_path / "bundle.pem").write_text(pem + other_pem)
    (tmp_path / "key.pem").write_text(key)
    code = """
local bundle = io.open("bundle.pem"):read("a")
local key = io.open("key.pem"):read("a")
local chain = certs.split(bundle)
local c = certs.parse(chain[1])
print(#chain, c.common_name, table.concat(c.dns_names, ","), c.days_left, c.key_type, c.signature_algorithm, #c.sha256, c.is_ca)
print(certs.matches(key, chain[1]), certs.matches(key, chain[2]))
print(certs.covers(chain[1], "shop.example.com"), certs.covers(chain[1], "example.com"),
      certs.covers(chain[1], "a.b.example.com"), certs.covers(chain[1], "example.org"))
for _, bad in ipairs{ function() return certs.parse("junk") end, function() return certs.key{type = "dsa"} end,
                      function() return certs.key{type = "rsa", bits = 1024} end, function() return certs.csr{key = key} end } do
  print(select(2, pcall(bad)))
end
print(require("storescript.pretty").format(key))
"""
    r = run("run", "-e", code, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0].split("\t")[:3] == ["2", "*.example.com", "*.example.com,example.com"]
    assert out[0].split("\t")[3] in ("28", "29") and out[0].split("\t")[4:] == ["ecdsa-p256", "ecdsa-with-SHA256", "64", "false"]
    assert out[1:3] == ["true\tfalse", "true\ttrue\tfalse\tfalse"]
    assert "certs.parse: no PEM certificate" in out[3]
    assert 'certs.key: options.type must be "rsa" or "ecdsa", got dsa' in out[4]
    assert "RSA keys are 2048, 3072 or 4096 bits, not 1024" in out[5]
    assert "certs.csr: options.common_name is required" in out[6]
    assert out[7] == "<private key>" and "PRIVATE KEY" not in r.stdout + r.stderr
