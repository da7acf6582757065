"""The library's FHIR bundle (`dist/fhir/bundle.json`): one DocumentReference per output, for a clinic's
integration engine to post to its health record's document store (FHIR R4B, a Bundle of type `collection`).

Why DocumentReference: FHIR's resource for "a document of any kind, made available to a healthcare system",
indexing a file by its metadata (type, language, date, author) and pointing at its content by `url`, with the
content's `size` and `hash`; it is what patient portals and document stores index (IHE MHD, US Core). A
handout is not clinical data about a patient, so there is no `subject`. Its `type` is LOINC 34895-3 "Education
note", the LOINC Document Ontology's kind of document for patient education, which document stores sort by.

Each resource: `status` current, `docStatus` final (preliminary for a sample), `date` the last review, `author`
the clinic, `description` the title, `language` the BCP 47 tag, the attachment's `contentType`, `language`,
`url` (the clinic's online copy of that language, where the file lies), `size` and `hash` (base64 SHA-1, as FHIR
defines it), and for a translation `relatesTo` `transforms` -> the source language's resource of the same
output and clinic.
"""
from __future__ import annotations

import datetime as dt
import json
import posixpath
import uuid

from handout.library.published import Published

LOINC = "http://loinc.org"
EDUCATION_NOTE = {"system": LOINC, "code": "34895-3", "display": "Education note"}
PATH = "fhir/bundle.json"


def _instant(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _resource_id(identifier: str, clinic: str, language: str, href_name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{identifier}|{clinic}|{language}|{href_name}")


def bundle(handouts: list[Published], library_id: uuid.UUID, timestamp: dt.date) -> dict:
    entries = []
    for handout in handouts:
        source = handout.config
        for tag, edition in handout.editions.items():
            config = edition.config
            for copy in edition.copies:
                for file in copy.files:
                    # The same output in the source language: what a translation transforms.
                    name = posixpath.basename(file.href)
                    own = _resource_id(source.identifier, copy.clinic.id, tag, f"{file.kind}:{file.edition}")
                    url = (copy.online_url.rstrip("/") + "/" + name) if copy.online_url else file.href
                    resource = {
                        "resourceType": "DocumentReference",
                        "id": str(own),
                        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{own}"},
                        "identifier": [{"system": "urn:ietf:rfc:3986", "value": config.identifier}],
                        "status": "current",
                        "docStatus": "preliminary" if config.sample else "final",
                        "type": {"coding": [EDUCATION_NOTE], "text": "Patient education handout"},
                        "date": _instant(source.review.last_reviewed),
                        "author": [{"display": copy.clinic.name}],
                        "description": config.title,
                        "language": tag,
                        "content": [{"attachment": {
                            "contentType": file.media_type, "language": tag, "url": url, "size": file.size(),
                            "hash": file.sha1_base64(), "title": f"{config.title} ({file.edition or file.kind})",
                            "creation": _instant(source.review.last_reviewed)}}],
                    }
                    if tag != source.language:
                        target = _resource_id(source.identifier, copy.clinic.id, source.language,
                                              f"{file.kind}:{file.edition}")
                        resource["relatesTo"] = [{"code": "transforms",
                                                  "target": {"reference": f"urn:uuid:{target}"}}]
                    entries.append({"fullUrl": f"urn:uuid:{own}", "resource": resource})
    return {"resourceType": "Bundle", "id": str(uuid.uuid5(library_id, "fhir")), "type": "collection",
            "timestamp": _instant(timestamp), "entry": entries}


def write_bundle(dist, handouts: list[Published], library_id: uuid.UUID) -> list[str]:
    days = [h.config.review.last_reviewed for h in handouts] or [dt.date(2000, 1, 1)]
    path = dist / PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(bundle(handouts, library_id, max(days)), indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return [PATH]
