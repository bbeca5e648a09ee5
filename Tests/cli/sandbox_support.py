"""Starts `storescript sandbox serve` on a free port for a test, and talks to it."""
import json
import re
import subprocess
import time

import requests


class Sandbox:
    def __init__(self, bin_path, *args, token="t", preexec_fn=None):
        self.token = token
        self.proc = subprocess.Popen([bin_path, "sandbox", "serve", "--port", "0", "--token", token, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn)
        line = self.proc.stdout.readline()
        m = re.search(r"serving (https?://[\d.]+:(\d+)/stores/(\w+))", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("sandbox did not start: " + line + self.proc.stderr.read())
        self.base, self.port = m.group(1), int(m.group(2))
        self.root = self.base.split("/stores/")[0]
        self.session = requests.Session()

    def url(self, path):
        return self.base + path

    def request(self, method, path, *, json_body=None, params=None, headers=None, auth=True, timeout=10, data=None):
        h = {"X-Auth-Token": self.token} if auth else {}
        h.update(headers or {})
        return self.session.request(method, self.url(path), json=json_body, params=params, headers=h, timeout=timeout, data=data)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    @property
    def control(self):
        """The header the sandbox's control endpoints (/__sandbox/...) need."""
        return {"X-Auth-Token": self.token}

    def faults(self, **settings):
        r = requests.put(self.root + "/__sandbox/faults", data=json.dumps(settings), headers=self.control, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()

    def log(self, since=0):
        return requests.get(self.root + "/__sandbox/log", params={"since": since}, headers=self.control, timeout=5).json()

    def state(self):
        return requests.get(self.root + "/__sandbox/state", headers=self.control, timeout=30).json()

    def alive(self):
        return self.proc.poll() is None and requests.get(self.root + "/__sandbox/faults", headers=self.control, timeout=5).status_code == 200

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def new_product(n, **extra):
    body = {"name": f"Test product {n}", "type": "physical", "weight": 1, "price": 10.0}
    body.update(extra)
    return body


def self_signed(host, days=90, starts_days=-1, names=None):
    """A real certificate for `host` (and `names`) and its key, as PEM text: (cert_pem, key_pem).
    Made with `cryptography` (OpenSSL), so the sandbox is checked against another X.509 stack."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=starts_days))
            .not_valid_after(now + datetime.timedelta(days=starts_days + days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in [host, *(names or [])]]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def csr_for(host, names=()):
    """A CSR made with `cryptography` and its key: (csr_pem, key_pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in [host, *names]]), critical=False)
           .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return csr.public_bytes(serialization.Encoding.PEM).decode(), key_pem
