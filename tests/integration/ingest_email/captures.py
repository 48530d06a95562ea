"""Reading the shared corpus' captured provider requests (HTTP captures, or bare multipart bodies) into fields and
files, to post them again to our app (re-signed where the provider signs)."""

from __future__ import annotations

import email
import json
from dataclasses import dataclass, field
from email.policy import compat32
from pathlib import Path
from urllib.parse import parse_qsl

from tests.support.corpus import CORPUS as SHARED_CORPUS

CORPUS = SHARED_CORPUS / "webhooks"


@dataclass
class Capture:
    content_type: str
    body: bytes
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, tuple[str, bytes, str]]] = field(default_factory=list)

    @property
    def json(self) -> object:
        return json.loads(self.body)


def read_capture(path: Path) -> Capture:
    raw = path.read_bytes()
    if raw.startswith((b"HTTP/", b"POST ")):
        head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
        headers = {
            line.partition(b":")[0].strip().lower().decode(): line.partition(b":")[2].strip().decode()
            for line in head.split(b"\n")[1:]
        }
        content_type = headers.get("content-type", "")
    else:
        body = raw
        boundary = raw.split(b"\n", 1)[0].strip()[2:].decode()
        content_type = f"multipart/form-data; boundary={boundary}"
    capture = Capture(content_type=content_type, body=body)
    if content_type.startswith("application/x-www-form-urlencoded"):
        capture.fields = parse_qsl(body.decode("utf-8", "replace").strip(), keep_blank_values=True)
    elif content_type.startswith("multipart/form-data"):
        message = email.message_from_bytes(
            f"Content-Type: {content_type}\n\n".encode() + body.replace(b"\r\n", b"\n"), policy=compat32
        )
        for part in message.get_payload() if message.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            filename = part.get_param("filename", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if data.endswith(b"\n"):
                data = data[:-1]
            if filename:
                capture.files.append((str(name), (str(filename), data, part.get_content_type())))
            else:
                capture.fields.append((str(name), data.decode("utf-8", "replace")))
    return capture
