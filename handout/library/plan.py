"""`handout plan` at a library's root: the library's one plan, as the library's build runs it
(handout/library/build.py): every handout's jobs (the build's planner, handout/build/plan.py), keyed by the
handout's folder name, then the jobs that make what covers the collection (the catalog pages, the OPDS feeds,
the FHIR bundle), which need every output. A shard's share (--shard I/N) is of the whole library's outputs; the
collection is made by the build that puts them in place (`--from-cache`), so no shard lists it."""
from __future__ import annotations

from typing import Collection

from handout.build.plan import job_plan, key_name, plan_text  # noqa: F401  (`handout plan`'s text)
from handout.build.run import JobKey
from handout.library import Library
from handout.library.build import COLLECTION, collection_digest, plan_library, shard_share


def library_plan_data(library: Library, names: tuple[str, ...], skip: Collection[str] = (),
                      editions: tuple[str, ...] | None = None, only: tuple[str, ...] = (), draft: bool = False,
                      paper: str | None = None, shard: tuple[int, int] | None = None) -> dict:
    plans = plan_library(library, names, skip, editions, only, draft, paper)
    whole = plans
    if shard is not None:
        plans = shard_share(plans, shard)
    rows: list[dict] = []
    outputs = 0
    for name, (config, plan) in plans.items():
        rows += job_plan(config, plan)
        outputs += len(plan)
    if shard is None:  # one job, as the build makes them: write_collection, from the outputs in dist/
        key = JobKey("", "", COLLECTION, "", step="collect")
        rows.append({"id": key_name(key), "key": {"handout": "", "clinic": "", "language": "",
                                                   "target": COLLECTION, "edition": "", "step": "collect"},
                     "inputs": collection_digest(library, whole),
                     "needs": [row["id"] for row in rows if row["output"] is not None],
                     "output": str(library.dist / "index.html"),
                     "step": "write the catalog pages, the OPDS feeds and the FHIR bundle"})
    return {"project": str(library.root), "library": library.title, "handouts": list(plans),
            "output_folder": str(library.dist), "shard": f"{shard[0]}/{shard[1]}" if shard else None,
            "outputs": outputs, "jobs": rows}
