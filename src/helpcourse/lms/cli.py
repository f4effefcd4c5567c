"""``helpcourse-grade publish ASSIGNMENT`` and ``helpcourse-grade lti-key generate|jwks`` (docs/LMS.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

__all__ = ["client_from_settings", "main", "publish_main"]


def client_from_settings(settings, timeout: float = 10.0):
    """An AGS client for the registration in the ``HELPCOURSE_LTI_*`` variables."""
    from helpcourse.lms.ags import AgsClient
    from helpcourse.lms.keys import key_id, load_private_key

    if not settings.token_url:
        raise KeyError("HELPCOURSE_LTI_TOKEN_URL is not set (docs/LMS.md)")
    if settings.key_path is None:
        raise KeyError("HELPCOURSE_LTI_KEY is not set (docs/LMS.md)")
    key = load_private_key(settings.key_path)
    return AgsClient(settings.client_id, settings.token_url, key, kid=key_id(key.public_key()), timeout=timeout)


def publish_main(argv: list[str] | None = None) -> int:
    """Publish one assignment; exit 0 when nothing failed, 1 when some scores were not accepted, 2 on set-up."""
    from helpcourse.instructor.course import load_course_root
    from helpcourse.lms.publish import format_report, load_context, publish
    from helpcourse.lms.settings import LtiSettings

    parser = argparse.ArgumentParser(prog="helpcourse-grade publish",
                                     description="send an assignment's final scores to the LMS (LTI AGS)")
    parser.add_argument("assignment")
    parser.add_argument("--course-root", default=".")
    parser.add_argument("--dry-run", action="store_true", help="print what would be sent; send nothing")
    parser.add_argument("--lineitems", default="", help="the course's line items URL (default: from the last launch)")
    parser.add_argument("--memberships", default="", help="the course's NRPS URL (default: from the last launch)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call to the LMS")
    args = parser.parse_args(argv)
    course = load_course_root(Path(args.course_root))
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # alembic
    try:
        client = client_from_settings(LtiSettings.from_env(), timeout=args.timeout)
        context = {} if args.lineitems else load_context(course.root)
    except (KeyError, FileNotFoundError, PermissionError) as error:
        print(f"helpcourse-grade publish: {error}", file=sys.stderr)
        return 2
    report = publish(course.root, course.db_url, course.course_id, args.assignment, client,
                     lineitems_url=args.lineitems or context["lineitems"],
                     memberships_url=args.memberships or context.get("memberships_url", ""), dry_run=args.dry_run)
    print(format_report(report))
    return 1 if report.outcomes("failed") else 0


def key_main(argv: list[str] | None = None) -> int:
    from helpcourse.lms.keys import generate_key, jwks, load_private_key

    parser = argparse.ArgumentParser(prog="helpcourse-grade lti-key", description="the tool's RSA key and JWKS")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write a new private key (mode 0600) and print its JWKS")
    gen.add_argument("path", nargs="?", default=os.environ.get("HELPCOURSE_LTI_KEY", ""))
    show = sub.add_parser("jwks", help="print the public JWKS of the key")
    show.add_argument("path", nargs="?", default=os.environ.get("HELPCOURSE_LTI_KEY", ""))
    pem = sub.add_parser("public-pem", help="print the public key as PEM (Moodle's 'RSA key')")
    pem.add_argument("path", nargs="?", default=os.environ.get("HELPCOURSE_LTI_KEY", ""))
    args = parser.parse_args(argv)
    if not args.path:
        parser.error("give the key's path or set HELPCOURSE_LTI_KEY")
    if args.command == "generate":
        generate_key(args.path)
        print(f"wrote {args.path} (mode 0600); give the LMS this JWKS:", file=sys.stderr)
    if args.command == "public-pem":
        from cryptography.hazmat.primitives import serialization

        public = load_private_key(args.path).public_key()
        print(public.public_bytes(serialization.Encoding.PEM,
                                  serialization.PublicFormat.SubjectPublicKeyInfo).decode(), end="")
        return 0
    print(json.dumps(jwks(load_private_key(args.path)), indent=1))
    return 0


def main(argv: list[str]) -> int:
    """Dispatch ``publish`` and ``lti-key`` (called by ``helpcourse-grade``)."""
    if argv[0] == "publish":
        return publish_main(argv[1:])
    return key_main(argv[1:])
