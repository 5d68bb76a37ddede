"""Where recordings are kept: one small interface, the instance folder by default.

``RECORDINGS_STORAGE = "local"`` (the default) keeps files under ``RECORDINGS_FOLDER`` (default
``<instance>/recordings``); ``"s3"`` keeps them in an S3-compatible bucket (see README).
Keys are made by us (``lessons/<id>/<random>.webm``, ``answers/<random>.m4a``), never by users.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any, Protocol

from flask import Flask, current_app

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9/_.-]{0,200}$")


class Storage(Protocol):
    """Save, open, delete and test files by key."""

    def save(self, key: str, data: bytes) -> None: ...

    def open(self, key: str) -> IO[bytes]: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def _checked(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key:
        raise ValueError(f"bad storage key {key!r}")
    return key


class LocalStorage:
    """Files under one folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """The file a key names (inside the root, always)."""
        return self.root / _checked(key)

    def save(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)  # never a half-written file under the real name

    def open(self, key: str) -> IO[bytes]:
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph ...), through boto3."""

    def __init__(self, bucket: str, prefix: str = "", **client_options: Any) -> None:
        import boto3  # only needed when configured

        self.bucket = bucket
        self.prefix = prefix
        self.client = boto3.client("s3", **client_options)

    def _key(self, key: str) -> str:
        return self.prefix + _checked(key)

    def save(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def open(self, key: str) -> IO[bytes]:
        import io

        answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        return io.BytesIO(answer["Body"].read())

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception:  # botocore's ClientError: 404 or no access
            return False
        return True


def make_storage(app: Flask) -> Storage:
    """The storage the configuration names."""
    config = app.config
    if config.get("RECORDINGS_STORAGE", "local") == "s3":
        options = {
            "endpoint_url": config.get("RECORDINGS_S3_ENDPOINT") or None,
            "region_name": config.get("RECORDINGS_S3_REGION") or None,
            "aws_access_key_id": config.get("RECORDINGS_S3_ACCESS_KEY") or None,
            "aws_secret_access_key": config.get("RECORDINGS_S3_SECRET_KEY") or None,
        }
        return S3Storage(
            config["RECORDINGS_S3_BUCKET"], config.get("RECORDINGS_S3_PREFIX", ""), **options
        )
    folder = config.get("RECORDINGS_FOLDER") or str(Path(app.instance_path) / "recordings")
    return LocalStorage(Path(folder))


def storage() -> Storage:
    """The application's storage (an S3 client is made once; local storage is just a folder)."""
    if current_app.config.get("RECORDINGS_STORAGE", "local") != "s3":
        return make_storage(current_app)
    made = current_app.extensions.get("recordings_storage")
    if made is None:
        made = current_app.extensions["recordings_storage"] = make_storage(current_app)
    return made
