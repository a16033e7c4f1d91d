# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""Local stand-in for the Messente Omnichannel API, for tests only: the entry point and the public names.

Why: the collection's tests must never reach the real service, yet its client needs a server that answers the
way Messente documents it (status codes, ErrorOmnichannel bodies, scheduling, cancelling, every channel's
content) and that can misbehave on request.  The work is split over the sandbox_*.py modules beside this file;
every choice the public documentation leaves open is listed in README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import signal
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"
# Script mode under `python -I` leaves the script's directory off sys.path; the sandbox_* modules live there.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def _install_hint(missing: str) -> str:
    """One line that says what is missing and how to get it, instead of a traceback."""
    try:
        requirements = REQUIREMENTS.relative_to(Path.cwd())
    except ValueError:
        requirements = REQUIREMENTS
    return (f"messente-sandbox: the Python package {missing!r} is missing; install the sandbox's requirements with: "
            f"{Path(sys.executable).name} -m pip install -r {requirements}")


try:
    from sandbox_faults import DEFAULT_SENDER, MAX_LATENCY, PAST_TIME_MODES, OptionError, Options
    from sandbox_server import DEFAULT_HOST, DEFAULT_PASSWORD, DEFAULT_USERNAME, SandboxServer, require_loopback
except ModuleNotFoundError as exc:  # pydantic, messente_api or one of their dependencies
    if __name__ != "__main__" or (exc.name or "").startswith("sandbox_"):
        raise
    sys.exit(_install_hint(exc.name or str(exc)))

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_SENDER", "DEFAULT_USERNAME", "SandboxServer", "main", "make_self_signed_cert"]
DEFAULT_MAX_LIFETIME = 900.0


def make_self_signed_cert(directory: str | Path, host: str = DEFAULT_HOST) -> tuple[Path, Path]:
    """Write cert.pem + key.pem for `host` into directory: a certificate no client trusts unless told to.

    The certificate is its own CA, so clients opt in by using cert.pem as their CA bundle.
    """
    # cryptography is only needed here, and ansible-core already depends on it.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "messente-sandbox")])
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False)
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]), False),
        (x509.BasicConstraints(ca=True, path_length=0), True),
        (usage, True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), False),
    ]
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=7)))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    cert_path, key_path = Path(directory, "cert.pem"), Path(directory, "key.pem")
    cert_path.write_bytes(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return number


def _add_option_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that set Options, which POST /_sandbox/config can change later."""
    parser.add_argument("--default-sender", default=DEFAULT_SENDER, help="sender reported when a message names none")
    parser.add_argument("--past-time", choices=PAST_TIME_MODES, default="reject",
                        help="what a time_to_send in the past does: 400, or send at once")
    parser.add_argument("--latency", type=float, default=0.0,
                        help=f"seconds added to every API answer, as on a real network (0 to {MAX_LATENCY:g})")
    parser.add_argument("--rate-limit", type=float, default=None,
                        help="API calls per second per client IP; beyond it 429 with Retry-After (default: no limit)")
    parser.add_argument("--delivery-delay", type=float, default=0.0,
                        help="sandbox seconds between a message being sent (ACCEPTD) and delivered (DELIVRD)")
    parser.add_argument("--undeliverable", action="append", default=[], metavar="E164",
                        help="a recipient whose messages fail on every channel (UNDELIV); may be repeated")


def options_of(args: argparse.Namespace) -> Options:
    return Options(latency=args.latency, rate_limit=args.rate_limit, delivery_delay=args.delivery_delay,
                   past_time=args.past_time, default_sender=args.default_sender, undeliverable=tuple(args.undeliverable))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Local Messente Omnichannel API sandbox (tests only).")
    parser.add_argument("--host", default=DEFAULT_HOST, help="IPv4 loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (needs --tls-key)")
    parser.add_argument("--tls-key", type=Path)
    parser.add_argument("--max-lifetime", type=_positive, default=DEFAULT_MAX_LIFETIME,
                        help="exit after this many seconds so no sandbox is left behind")
    _add_option_flags(parser)
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    try:
        require_loopback(args.host)
        options_of(args)
    except OptionError as exc:
        parser.error(f"--{exc.name.replace('_', '-')}: {exc.detail}")
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _write_port_file(path: Path, port: int) -> None:
    """Write via a temporary file so a reader never sees a half-written port."""
    partial = path.with_name(f"{path.name}.partial")
    partial.write_text(f"{port}\n")
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Script mode: serve until SIGTERM/SIGINT or --max-lifetime, whichever comes first."""
    args = parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    options = options_of(args)
    server = SandboxServer(username=args.username, password=args.password, tls=tls, host=args.host, port=args.port,
                           past_time=options.past_time, default_sender=options.default_sender, latency=options.latency,
                           rate_limit=options.rate_limit, delivery_delay=options.delivery_delay, undeliverable=options.undeliverable)
    with server:
        if args.port_file:
            _write_port_file(args.port_file, server.port)
        print(f"messente-sandbox listening on {server.base_url}", flush=True)
        stop.wait(args.max_lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
