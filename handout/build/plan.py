"""The build's plan as data: every job of a build, its key, the digest of its inputs and the jobs it needs.

It is made by the build's own planner (`run.plan_outputs`, the outputs and their digests, and `run.plan_jobs`,
the graph the scheduler runs), as for a build on a machine that has made nothing yet (every output to make,
no page starts known): the plan a CI matrix splits into shards (handout/build/shards.py).
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Collection

from handout.build.outfolder import output_folder_for
from handout.build.run import JobKey, Planned, plan_jobs, plan_outputs
from handout.build.shards import shard_of
from handout.config.languages import language_config
from handout.config.settings import Config, load_config


class _Placeholders:
    """Staging for a plan that runs nothing: a job's file is its output's final name, and no file is made."""

    def __init__(self):
        self.count = 0

    def temporary(self, final: Path) -> Path:
        return final

    def scratch(self) -> Path:
        self.count += 1
        return Path(f"(scratch {self.count})")


def key_name(key: JobKey) -> str:
    """One string for a job's key: handout/clinic/language/target/edition/step (an empty field stays empty)."""
    return "/".join(_fields(key).values())


def _fields(key: JobKey) -> dict[str, str]:
    return {name: getattr(key, name) for name in ("handout", "clinic", "language", "target", "edition", "step")}


def plan_config(root: Path, paper: str | None = None, only: Collection[str] = ()) -> Config:
    config = load_config(root)
    if paper:
        config = replace(config, print=replace(config.print, paper=paper))
    for language in only:
        language_config(config, language)  # a language publish.toml does not list is refused, naming it
    return config


def job_plan(config: Config, plan: list[Planned]) -> list[dict]:
    """Every job that makes `plan` (as `run._run` would schedule it with nothing made yet), in the scheduler's
    order: its key, the digest of its inputs, the jobs it needs first and the file it makes."""
    jobs = plan_jobs({}, plan, plan, _Placeholders(), None, {}, paper=config.print.paper)
    served = {item.final: item for item in plan}
    digests: dict[JobKey, str] = {}
    rows = []
    for key, job in jobs.items():
        if job.item is not None:
            digest = job.item.inputs
        else:  # a step that serves an output (a layout for a page list, a paper PDF for a booklet)
            serving = served[job.serves]
            digest = hashlib.sha256(f"{serving.inputs}:{key.step}:{key.edition}".encode()).hexdigest()
        digests[key] = digest
        rows.append({
            "id": key_name(key),
            "key": _fields(key),
            "inputs": digest,
            # A page list's first words come from its edition's PDF job (or its `lay out` step).
            "needs": [key_name(_maker(need, jobs)) for need in job.needs],
            "output": str(job.item.final) if job.item is not None else None,
            "step": job.name,
        })
    return rows


def _maker(need: JobKey, jobs: dict) -> JobKey:
    """The job that satisfies `need`: itself, or for the printed pages' first words, the PDF or layout job."""
    if need in jobs:
        return need
    for candidate in (need._replace(step=""), need._replace(step="lay out")):
        if candidate in jobs:
            return candidate
    return need


def plan_data(root: Path, out_dir: Path | None = None, skip: Collection[str] = (),
              editions: tuple[str, ...] | None = None, only: Collection[str] = (), draft: bool = False,
              paper: str | None = None, shard: tuple[int, int] | None = None) -> dict:
    """`handout plan --format json`: the build's plan of the project in `root` (with `shard`: that shard's)."""
    root = root.resolve()
    config = plan_config(root, paper, only)
    folder = output_folder_for(root, out_dir)
    plan = plan_outputs(config, folder, skip, editions or config.print.editions, draft, tuple(only))
    if shard is not None:
        plan = shard_of(plan, *shard)
    jobs = job_plan(config, plan)
    return {"project": str(root), "output_folder": str(folder),
            "shard": f"{shard[0]}/{shard[1]}" if shard else None, "outputs": len(plan), "jobs": jobs}


def plan_text(data: dict) -> str:
    lines = [f"{len(data['jobs'])} jobs for {data['outputs']} outputs"]
    for job in data["jobs"]:
        needs = f"  (after {', '.join(job['needs'])})" if job["needs"] else ""
        lines.append(f"{job['id']}  {job['inputs'][:12]}  {job['step']}{needs}")
    return "\n".join(lines)
