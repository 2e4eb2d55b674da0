"""S3 target via boto3: upload to a staging key, then server-side copy onto the final key; manifest last.

Credentials and endpoint come from the `S3Storage` resource (AWS_* as `dg.EnvVar`s, assets/secrets.py); a target
whose `endpoint_url_env` names another variable than AWS_ENDPOINT_URL takes its endpoint from that variable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json

from botocore.exceptions import ClientError

from assets.deliver.config import S3Target
from assets.deliver.staging import StagedTable, note_erasure
from assets.privacy.matching import ErasureMatcher
from assets.privacy.rewrite import filter_bytes
from assets.secrets import S3Storage, active, named_secret

MANIFEST = "_manifest.json"
_FORMATS = (".parquet", ".csv")


class S3Publisher:
    def __init__(self, target: S3Target):
        self.bucket = target.bucket
        self.prefix = target.prefix.strip("/")
        s3 = active(S3Storage)  # a target naming its own endpoint variable overrides the resource's endpoint
        own = S3Storage.ENV["endpoint_url"] != target.endpoint_url_env
        self.client = s3.client(named_secret(target.endpoint_url_env) if own else None)

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def publish(self, staged: list[StagedTable], manifest: dict) -> str:
        folder = f"run_date={manifest['run_date']}"
        staging = [(t, self._key("_staging", manifest["run_id"], t.path.name)) for t in staged]
        try:
            for table, tmp_key in staging:  # everything uploaded before anything becomes visible
                self.client.upload_file(str(table.path), self.bucket, tmp_key)
            for table, tmp_key in staging:  # a server-side copy replaces the object atomically
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=self._key(folder, table.path.name),
                    CopySource={"Bucket": self.bucket, "Key": tmp_key},
                )
        finally:
            for _, tmp_key in staging:
                with contextlib.suppress(ClientError):  # best effort: never hide the error that got us here
                    self.client.delete_object(Bucket=self.bucket, Key=tmp_key)
            with contextlib.suppress(ClientError):
                self._purge_old_versions(self._key("_staging", manifest["run_id"]) + "/", everything=True)
        key = self._key(folder, MANIFEST)
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=json.dumps(manifest, indent=2, default=str).encode(),
            ContentType="application/json",
        )
        return f"s3://{self.bucket}/{key}"

    def _objects(self) -> list[str]:
        keys = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        ):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    def erase(self, matcher: ErasureMatcher) -> int:
        removed = 0
        for key in self._objects():
            if "/_staging/" in f"/{key}" or not key.endswith(_FORMATS):
                continue
            data = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            new, hit = filter_bytes(data, key.rsplit(".", 1)[1], matcher)
            if new is None:
                continue
            self.client.put_object(Bucket=self.bucket, Key=key, Body=new)  # a PUT replaces atomically
            removed += len(hit)
            self._update_manifest(key, len(hit), hashlib.sha256(new).hexdigest())
            self._purge_old_versions(key)
        self._purge_old_versions(self._key("_staging") + "/", everything=True)
        return removed

    def _purge_old_versions(self, prefix: str, everything: bool = False) -> None:
        """On a versioned bucket the previous versions still hold the erased rows: delete every non-current
        version and delete marker under `prefix` (all of them with `everything`); no-op when unversioned."""
        if self.client.get_bucket_versioning(Bucket=self.bucket).get("Status") not in (
            "Enabled",
            "Suspended",
        ):
            return
        for page in self.client.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if everything or not version["IsLatest"]:
                    self.client.delete_object(
                        Bucket=self.bucket, Key=version["Key"], VersionId=version["VersionId"]
                    )

    def _update_manifest(self, key: str, erased: int, sha256: str) -> None:
        folder, name = key.rsplit("/", 1)
        manifest_key = f"{folder}/{MANIFEST}"
        try:
            manifest = json.loads(self.client.get_object(Bucket=self.bucket, Key=manifest_key)["Body"].read())
        except self.client.exceptions.NoSuchKey:
            return
        note_erasure(manifest, name, erased, sha256)
        self.client.put_object(
            Bucket=self.bucket, Key=manifest_key, Body=json.dumps(manifest, indent=2).encode()
        )
        self._purge_old_versions(manifest_key)  # one current manifest, whose checksums match the files
